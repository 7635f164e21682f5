import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCli, startDaemon, tempDir } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";
import { sample, scrapeUntil, until } from "../helpers/metrics.js";

const tmp = tempDir("tw-control-");
const children: ChildProcess[] = [];
const targets: Target[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const t of targets.splice(0)) await t.close();
});
afterAll(() => tmp.remove());

const TOKEN = "a-control-token-of-32-characters";
const ACTIVE = 'tracewalk_cascades_active{cascade="drill"}';

function config(name: string, control: boolean, extra: string[] = []): string {
  const path = join(tmp.dir, `${name}.yaml`);
  const lines = [
    ...extra,
    "load: { arrival_rate: 20 }",
    ...(extra.some((l) => l.startsWith("clock:")) ? [] : ["clock: { speed: 60 }"]),
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

  it("lists cascades, triggers a window now and aborts it, each labelled like a scheduled one", async () => {
    process.env.TRACEWALK_CONTROL_TOKEN = TOKEN;
    const cascades = [
      "clock: { speed: 60, start: '2026-01-01T00:00:00Z' }",
      "cascades: [{ name: drill, at: [6h], duration: 5m, scope: { endpoints: ['/api/*'] } }]",
    ];
    const path = config("drill", true, cascades);
    const { base, run } = await startDaemon(["--config", path], children);
    delete process.env.TRACEWALK_CONTROL_TOKEN;
    for (const token of [undefined, "wrong-token"]) {
      expect((await call(base, "GET", "/control/cascades", token)).status).toBe(401);
      expect((await call(base, "POST", "/control/cascades/drill/trigger", token)).status).toBe(401);
      expect((await call(base, "POST", "/control/windows/drill-t0/abort", token)).status).toBe(401);
    }
    const listed = (await call(base, "GET", "/control/cascades", TOKEN)).json();
    // Emit mode: the effects are simulated, nothing injects them, so there is no `inject`.
    expect((listed.cascades as Record<string, unknown>[])[0]).not.toHaveProperty("inject");
    expect(listed).toMatchObject({
      cascades: [
        {
          name: "drill",
          schedule: { at: ["6h"], duration: "5m" },
          open: [],
          next: { cascade_id: "drill-0", start: "2026-01-01T06:00:00.000Z" },
        },
      ],
    });
    expect((await call(base, "POST", "/control/cascades/nope/trigger", TOKEN)).status).toBe(404);
    expect((await call(base, "POST", "/control/cascades/drill/trigger?duration=soon", TOKEN)).status).toBe(
      400,
    );

    const trig = await call(base, "POST", "/control/cascades/drill/trigger?duration=1h", TOKEN);
    expect(trig.status, trig.text).toBe(200);
    const opened = trig.json() as { cascade_id: string; start: string; end: string };
    expect(opened.cascade_id).toBe("drill-t0");
    expect(Date.parse(opened.end) - Date.parse(opened.start)).toBe(3_600_000);
    await scrapeUntil(base, "one window open", (t) => sample(t, ACTIVE) === 1);
    const labelsPath = join(tmp.dir, "drill.labels.jsonl");
    const records = () =>
      existsSync(labelsPath)
        ? readFileSync(labelsPath, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : [];
    await until("the open record of drill-t0", 10_000, async () =>
      records().some((r) => r.cascade_id === "drill-t0" && r.state === "open") ? true : undefined,
    );
    expect((await call(base, "GET", "/control/cascades", TOKEN)).json()).toMatchObject({
      cascades: [{ open: [{ cascade_id: "drill-t0", triggered: true }] }],
    });
    // Calls in scope while it is open carry its id.
    const eventsPath = join(tmp.dir, "drill.jsonl");
    await until("a call touched by drill-t0", 20_000, async () =>
      readFileSync(eventsPath, "utf8").includes('"cascade_id":"drill-t0"') ? true : undefined,
    );

    const aborted = await call(base, "POST", "/control/windows/drill-t0/abort", TOKEN);
    expect(aborted.status, aborted.text).toBe(200);
    const closedAt = Date.parse((aborted.json() as { end: string }).end);
    expect(closedAt).toBeLessThan(Date.parse(opened.end));
    await scrapeUntil(base, "no window open", (t) => sample(t, ACTIVE) === 0);
    await until("the closed record of drill-t0", 10_000, async () =>
      records().find((r) => r.cascade_id === "drill-t0" && r.state === "closed"),
    );
    const closed = records().find((r) => r.cascade_id === "drill-t0" && r.state === "closed")!;
    expect(closed).toMatchObject({
      start: opened.start,
      end: new Date(closedAt).toISOString(),
      triggered: true,
    });
    expect((await call(base, "POST", "/control/windows/drill-t0/abort", TOKEN)).status).toBe(404);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('tracewalk_control_actions_total{action="trigger"} 1');
    expect(metrics).toContain('tracewalk_control_actions_total{action="abort"} 1');
    expect(metrics).toContain('tracewalk_cascade_windows_total{cascade="drill"} 1');
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code, r.stderr.slice(-1500)).toBe(0);
    // Every touched call lies inside the window as it was finally closed.
    for (const line of readFileSync(eventsPath, "utf8").split("\n").filter(Boolean)) {
      const e = JSON.parse(line) as { timestamp: string; cascade_id: string | null; is_retry: boolean };
      if (e.cascade_id !== "drill-t0" || e.is_retry) continue;
      const t = Date.parse(e.timestamp);
      expect(t >= Date.parse(opened.start) && t < closedAt, e.timestamp).toBe(true);
    }
  });

  it("in HTTP mode, lists each cascade's inject, a webhook's secrets redacted", async () => {
    const t = await startTarget();
    targets.push(t);
    const hook = "http://hook-user:hook-pw-123@127.0.0.1:9/drills?channel=ops-987&token=tok-456";
    const cascades = [
      { name: "quiet", at: ["6h"], duration: "5m", inject: "none" },
      {
        name: "loud",
        at: ["7h"],
        duration: "5m",
        envoy_faults: true,
        inject: {
          client: true,
          webhook: { url: hook, headers: { authorization: "Bearer $" + "{HOOK_TOKEN}" } },
        },
      },
    ];
    const path = config("http", true, [
      `target: { url: "http://127.0.0.1:${t.port}", allow_hosts: [127.0.0.1] }`,
      `cascades: ${JSON.stringify(cascades)}`,
    ]);
    process.env.TRACEWALK_CONTROL_TOKEN = TOKEN;
    process.env.HOOK_TOKEN = "hook-secret-789";
    const { base, run } = await startDaemon(["--config", path], children);
    delete process.env.TRACEWALK_CONTROL_TOKEN;
    delete process.env.HOOK_TOKEN;
    const listed = await call(base, "GET", "/control/cascades", TOKEN);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.json()).toMatchObject({
      cascades: [
        { name: "quiet", inject: "none" },
        {
          name: "loud",
          inject: {
            client: true,
            envoy: true,
            webhook: {
              url: "http://[redacted]@127.0.0.1:9/drills?channel=[redacted]&token=[redacted]",
              headers: { authorization: "[redacted]" },
            },
          },
        },
      ],
    });
    for (const secret of ["hook-user", "hook-pw-123", "ops-987", "tok-456", "hook-secret-789"]) {
      expect(listed.text).not.toContain(secret);
    }
    run.child.kill("SIGTERM");
    const r = await run;
    expect(r.code, r.stderr.slice(-1500)).toBe(0);
  });

  it("rejects a short token at load with its path, exit 2", async () => {
    const path = join(tmp.dir, "short.yaml");
    writeFileSync(path, "control: { token: short }\n");
    const r = await runCli(["run", "--config", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("control.token");
  });
});
