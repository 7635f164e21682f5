import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCli, startDaemon, tempDir } from "../helpers/cli.js";
import { until } from "../helpers/metrics.js";

const tmp = tempDir("tw-control-");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => tmp.remove());

const TOKEN = "a-control-token-of-32-characters";

function config(name: string, control: boolean): string {
  const path = join(tmp.dir, `${name}.yaml`);
  const lines = [
    "load: { arrival_rate: 20 }",
    "clock: { speed: 60 }",
    `sinks: [{ type: file, path: ${JSON.stringify(join(tmp.dir, `${name}.jsonl`))} }]`,
    "metrics: { port: 0 }",
    "log: { pretty: false }",
  ];
  // The token comes from the environment, as the README says secrets must.
  if (control) lines.push('control: { token: "$' + '{TRACEWALK_CONTROL_TOKEN}" }');
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

async function call(base: string, method: string, path: string, token?: string, body?: string) {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** The virtual clock the daemon exports, seconds. */
async function virtualTime(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^tracewalk_virtual_time_seconds (\S+)$/m.exec(text)?.[1]);
}

describe("control API", () => {
  it("is off without control.token: /control/ answers 404", async () => {
    const { base } = await startDaemon(["--config", config("off", false)], children);
    const r = await call(base, "GET", "/control/status", TOKEN);
    expect(r.status).toBe(404);
    expect(r.text).toContain("control.token");
  });

  it("refuses a missing or wrong token with 401, pauses, resumes and changes the load", async () => {
    process.env.TRACEWALK_CONTROL_TOKEN = TOKEN;
    const { base, run } = await startDaemon(["--config", config("on", true)], children);
    delete process.env.TRACEWALK_CONTROL_TOKEN;
    for (const token of [undefined, "wrong-token", `${TOKEN}x`]) {
      const r = await call(base, "POST", "/control/pause", token);
      expect(r.status, String(token)).toBe(401);
    }
    expect((await call(base, "GET", "/control/status", TOKEN)).json()).toMatchObject({
      paused: false,
      load: { model: "open", arrival_rate: 20 },
    });

    const paused = await call(base, "POST", "/control/pause", TOKEN);
    expect(paused.status).toBe(200);
    expect(paused.json()).toMatchObject({ ok: true, paused: true });
    // Paused, the virtual clock stands still (at speed 60 it would move 30 s in this half second).
    const t0 = await virtualTime(base);
    await new Promise((r) => setTimeout(r, 500));
    expect(await virtualTime(base)).toBe(t0);

    expect((await call(base, "POST", "/control/resume", TOKEN)).json()).toMatchObject({ paused: false });
    await until("virtual time to move after resume", 10_000, async () =>
      (await virtualTime(base)) > t0 ? true : undefined,
    );

    const load = await call(base, "POST", "/control/load", TOKEN, '{"arrival_rate": 2.5}');
    expect(load.status, load.text).toBe(200);
    expect(load.json()).toMatchObject({ load: { model: "open", arrival_rate: 2.5 } });
    expect((await call(base, "POST", "/control/load", TOKEN, '{"users": 5}')).status).toBe(409);
    expect((await call(base, "POST", "/control/load", TOKEN, '{"arrival_rate": -1}')).status).toBe(400);
    expect((await call(base, "POST", "/control/load", TOKEN, "{not json")).status).toBe(400);
    expect((await call(base, "POST", "/control/nothing", TOKEN)).status).toBe(404);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('tracewalk_control_actions_total{action="pause"} 1');
    expect(metrics).toContain('tracewalk_control_actions_total{action="resume"} 1');
    expect(metrics).toContain('tracewalk_control_actions_total{action="load"} 1');

    // SIGTERM while paused still stops within the bound.
    expect((await call(base, "POST", "/control/pause", TOKEN)).status).toBe(200);
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code, r.stderr.slice(-1500)).toBe(0);
    expect(r.stderr).toContain('"control":"pause"');
    expect(r.stderr).not.toContain(TOKEN);
  });

  it("rejects a short token at load with its path, exit 2", async () => {
    const path = join(tmp.dir, "short.yaml");
    writeFileSync(path, "control: { token: short }\n");
    const r = await runCli(["run", "--config", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("control.token");
  });
});
