import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";

// Credentials in a target URL (userinfo, a token in the query) are never printed nor recorded: every
// byte a run, a dry run and a replay write (stdout, stderr, events, labels) is searched for them.

const USER = "alice-user";
const PASSWORD = "pw-Zq8-s3cret";
const TOKEN = "tok-9f3a1c-SECRET";
const SECRETS = [USER, PASSWORD, TOKEN, encodeURIComponent(PASSWORD)];

let target: Target;
const tmp = tempDir("tw-secrets-");
beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target.close();
  tmp.remove();
});

const urlWithSecrets = () =>
  `http://${USER}:${PASSWORD}@127.0.0.1:${target.port}/api?access_token=${TOKEN}&region=eu`;

/** Everything the command printed, and every file it wrote in `dir`. */
function everything(r: { stdout: string; stderr: string }, dir: string): string {
  const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
  return [r.stdout, r.stderr, ...files].join("\n");
}

function expectNoSecret(text: string): void {
  for (const s of SECRETS) expect(text.includes(s), `"${s}" was printed or recorded`).toBe(false);
}

const COMMON = ["--allow-host", "127.0.0.1", "--metrics-addr", "127.0.0.1:0", "--seed", "7"];

describe("credentials in a target URL", () => {
  it("a run sends userinfo as basic auth and prints nor records neither it nor the query's token", async () => {
    const dir = join(tmp.dir, "run");
    const r = await runCli([
      "run",
      "--target",
      urlWithSecrets(),
      ...COMMON,
      "--duration",
      "2s",
      "--speed",
      "max",
      "--log-level",
      "debug",
      "--out",
      join(dir, "events.jsonl"),
    ]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(target.received.length).toBeGreaterThan(0);
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
    for (const req of target.received) expect(req.headers.authorization).toBe(basic);
    const all = everything(r, dir);
    expectNoSecret(all);
    // The config dump shows where the run went: the userinfo became a header, whose value is hidden.
    expect(r.stderr).toContain(
      `"url":"http://127.0.0.1:${target.port}/api?access_token=[redacted]&region=eu"`,
    );
    expect(r.stderr).toContain('"headers":{"Authorization":"[redacted]"}');
  });

  it("a dry run's request lines print neither", async () => {
    const dir = join(tmp.dir, "dry");
    const before = target.received.length;
    const r = await runCli([
      "run",
      "--target",
      urlWithSecrets(),
      "--dry-run",
      ...COMMON,
      "--duration",
      "2s",
      "--out",
      join(dir, "events.jsonl"),
    ]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/dry-run (GET|POST|PUT|DELETE) http:\/\/127\.0\.0\.1:\d+\/api\//);
    expect(target.received.length).toBe(before);
    expectNoSecret(everything(r, dir));
  });

  it("a replay's banner prints neither", async () => {
    const dir = join(tmp.dir, "replay");
    const input = join(tmp.dir, "recording.jsonl");
    const g = await runCli(["generate", "--users", "5", "--seed", "3", "--out", input, "--no-progress"]);
    expect(g.code, g.stderr).toBe(0);
    const r = await runCli([
      "replay",
      "--input",
      input,
      "--speed",
      "max",
      "--target",
      urlWithSecrets(),
      ...COMMON,
      "--out",
      join(dir, "events.jsonl"),
    ]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain(`to http://127.0.0.1:${target.port}/api?access_token=[redacted]&region=eu`);
    expectNoSecret(everything(r, dir));
  });

  it("with an Authorization header as well, the config is refused without echoing either", async () => {
    const config = join(tmp.dir, "both.yaml");
    writeFileSync(
      config,
      `target: { url: "${urlWithSecrets()}", allow_hosts: [127.0.0.1], headers: { Authorization: Bearer other-secret-x } }\n`,
    );
    const r = await runCli(["run", "--config", config, "--duration", "1s", "--metrics-addr", "127.0.0.1:0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target\.url.*credentials \(user:password@\).*Authorization.*keep one/);
    expectNoSecret(r.stdout + r.stderr);
    expect(r.stderr).not.toContain("other-secret-x");
  });
});
