import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { devNull } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultLabelsPath } from "../../src/config/paths.js";
import { runCli, tempDir } from "../helpers/cli.js";

const tmp = tempDir("tw-outputs-");
afterAll(() => tmp.remove());

/** A short run at max speed with cascades, so that labels occur. */
const SHORT = ["--speed", "max", "--duration", "2m", "--metrics-addr", "127.0.0.1:0"];
const CASCADES = ["--set", "generation.cascade_rate=0.5", "--set", "log.pretty=false"];

describe("outputs that are not regular files", () => {
  it("a device or a pipe has no labels file beside it; a regular path does", () => {
    expect(defaultLabelsPath("/dev/null")).toBe(devNull);
    expect(defaultLabelsPath(tmp.dir)).toBe(devNull); // a directory is no file either
    expect(defaultLabelsPath(join(tmp.dir, "new.jsonl"))).toBe(join(tmp.dir, "new.labels.jsonl"));
  });

  it("run --out /dev/null with cascades creates no /dev/null.labels.jsonl and warns why", async () => {
    const existed = existsSync("/dev/null.labels.jsonl");
    const r = await runCli(["run", "--out", "/dev/null", ...SHORT, ...CASCADES]);
    expect(r.code, r.stderr).toBe(0);
    if (!existed) expect(existsSync("/dev/null.labels.jsonl")).toBe(false);
    expect(r.stderr).toContain(
      'cascade labels are not written for sink \\"file\\" (/dev/null is not a regular file, so no labels file goes beside it)',
    );
  });

  it("generate --users --out /dev/null says before and after that its labels are not written", async () => {
    const r = await runCli(["generate", "--users", "50", "--cascade-rate", "0.5", "--out", "/dev/null"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "cascade labels are not written beside /dev/null, which is not a regular file",
    );
    expect(r.stderr).toMatch(/; \d+ labels not written \(no --labels\)\n$/);
  });
});

describe("generate --config names a labels file only when it wrote one", () => {
  it("a run without cascades names none, even beside an old labels file; one with cascades does", async () => {
    const config = join(tmp.dir, "quiet.yaml");
    writeFileSync(config, "clock: { duration: 10m }\nsinks: [{ type: stdout }]\n");
    const out = join(tmp.dir, "quiet.jsonl");
    const labels = join(tmp.dir, "quiet.labels.jsonl");
    writeFileSync(labels, "an older run's labels\n");
    const quiet = await runCli(["generate", "--config", config, "--out", out]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toMatch(/^wrote \d+ events of \d+ sessions to \S+quiet\.jsonl\n$/);
    const cascades = ["--set", "generation.cascade_rate=0.3"];
    const loud = await runCli(["generate", "--config", config, "--out", out, ...cascades]);
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stderr).toContain(`; labels to ${labels}\n`);
    expect(readFileSync(labels, "utf8")).toContain('"cascade_id"');
  });
});

describe("a second run keeps the first one's default output", () => {
  it("moves out/events.jsonl and its labels aside, stamped with their last write, and says so", async () => {
    const cwd = join(tmp.dir, "start");
    const run = () => runCli(["run", ...SHORT, ...CASCADES], { cwd });
    mkdirSync(cwd);
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    const events = readFileSync(join(cwd, "out/events.jsonl"), "utf8");
    const labels = readFileSync(join(cwd, "out/events.labels.jsonl"), "utf8");
    expect(labels.length).toBeGreaterThan(0);
    const second = await run();
    expect(second.code, second.stderr).toBe(0);
    const files = readdirSync(join(cwd, "out")).sort();
    expect(files).toHaveLength(4);
    const kept = files.find((f) => /^events\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.jsonl$/.test(f))!;
    expect(kept).toBeDefined();
    expect(files).toContain(kept.replace(/\.jsonl$/, ".labels.jsonl"));
    // The first run's bytes, whole; the same seed wrote the same again into the default path.
    expect(readFileSync(join(cwd, "out", kept), "utf8")).toBe(events);
    expect(readFileSync(join(cwd, "out", kept.replace(/\.jsonl$/, ".labels.jsonl")), "utf8")).toBe(labels);
    expect(readFileSync(join(cwd, "out/events.jsonl"), "utf8")).toBe(events);
    expect(second.stderr).toContain(`kept the last run's out/events.jsonl as out/${kept}`);
  });

  it("an output the user names is replaced, as before", async () => {
    const out = join(tmp.dir, "named.jsonl");
    writeFileSync(out, "old\n");
    const r = await runCli(["run", "--out", out, ...SHORT]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).not.toContain("old\n");
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith("named."))).toEqual(["named.jsonl"]);
  });
});
