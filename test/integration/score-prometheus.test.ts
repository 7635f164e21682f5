import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, STACK_LINE } from "../helpers/cli.js";
import {
  FatalProbeError,
  freePort,
  requireTool,
  spawnPrometheus,
  stopChild,
  until,
} from "../helpers/metrics.js";

// `score --prometheus URL --alert NAME`: a real Prometheus scrapes a tiny loopback exporter whose gauge
// the test turns on and off, evaluates a rule every second, and `score` reads the ALERTS that really
// fired. Runs the built CLI.
const HINT = "install it with `apt-get install -y prometheus` (Debian) — .ci/run does";
const ALERT = "DrillFailing";

let dir: string;
let failing = 0;
let exporter: Server;
let silent: Server; // accepts connections and never answers: the timeout case
let prometheus: ChildProcess | undefined;
let promUrl: string;
let promLog: () => string = () => "";

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

function startPrometheus(target: string, port: number): ChildProcess {
  writeFileSync(
    join(dir, "rules.yml"),
    [
      "groups:",
      "  - name: drill",
      "    interval: 1s",
      "    rules:",
      `      - alert: ${ALERT}`,
      "        expr: drill_failing > 0",
      "      - alert: NeverFires",
      "        expr: vector(0) > 1",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      "rule_files:",
      `  - ${join(dir, "rules.yml")}`,
      "scrape_configs:",
      "  - job_name: drill",
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const started = spawnPrometheus(dir, port);
  promLog = started.log;
  return started.child;
}

/** How many series an instant query returns now. */
async function count(query: string): Promise<number> {
  if (prometheus?.exitCode !== null) throw new FatalProbeError(`prometheus exited: ${promLog()}`);
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return ((await res.json()) as { data: { result: unknown[] } }).data.result.length;
}

const FIRING = `ALERTS{alertname="${ALERT}",alertstate="firing"}`;

/** Turns the gauge on, waits until the alert fires, turns it off, waits until it is gone. */
async function fireOnce(): Promise<{ on: number; seen: number; gone: number }> {
  failing = 1;
  const on = Date.now();
  await until(`${ALERT} firing`, 30_000, async () => ((await count(FIRING)) > 0 ? true : undefined));
  const seen = Date.now();
  failing = 0;
  await until(`${ALERT} resolved`, 30_000, async () => ((await count(FIRING)) === 0 ? true : undefined));
  return { on, seen, gone: Date.now() };
}

/** Resolves once the wall clock has passed `t` (bounded: `t` is at most a few seconds ahead). */
async function clockPast(t: number): Promise<void> {
  await until("the clock to pass a step", 10_000, async () => (Date.now() > t ? true : undefined));
}

const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  requireTool("prometheus", HINT);
  dir = mkdtempSync(join(tmpdir(), "tw-score-prom-"));
  exporter = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(`# TYPE drill_failing gauge\ndrill_failing ${failing}\n`);
  });
  silent = createServer(() => {});
  const target = await listen(exporter);
  await listen(silent);
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = startPrometheus(`127.0.0.1:${target}`, port);
  await until('up{job="drill"} == 1', 60_000, async () =>
    (await count('up{job="drill"} == 1')) > 0 ? true : undefined,
  );
}, 90_000);

afterAll(async () => {
  if (prometheus) await stopChild(prometheus);
  silent?.closeAllConnections();
  await new Promise((r) => silent?.close(r));
  await new Promise((r) => exporter?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("tracewalk score --prometheus", () => {
  it("scores the alerts that really fired against the labelled windows", async () => {
    // The first firing inside window W1, the second after it (a false alarm); W0, earlier, is missed.
    const first = await fireOnce();
    // With a 1s step, the onset read back lies at most one step after the alert was seen firing, and
    // two onsets need more than 1.5 steps between them to be told apart.
    await clockPast(Math.max(first.seen + 1_200, first.gone + 2_000));
    const second = await fireOnce();
    const w1End = first.seen + 1_000;
    expect(second.on).toBeGreaterThan(w1End);
    const labels = join(dir, "labels.jsonl");
    const label = (id: string, start: number, end: number) =>
      JSON.stringify({
        cascade_id: id,
        name: "drill",
        start: iso(start),
        end: iso(end),
        scope: {},
        effects: {},
      });
    // W2 comes after the second firing, so the span read (first start to last end) covers it.
    const w2 = second.gone + 1_000;
    writeFileSync(
      labels,
      [
        label("W0", first.on - 60_000, first.on - 30_000),
        label("W1", first.on, w1End),
        label("W2", w2, w2 + 1_000),
      ]
        .map((l) => `${l}\n`)
        .join(""),
    );
    const r = await runCli([
      ...["score", "--labels", labels, "--prometheus", promUrl, "--alert", ALERT],
      ...["--step", "1s", "--tolerance", "0s", "--json"],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, number> & {
      time_to_detect_s: Record<string, number | null>;
    };
    expect(s).toMatchObject({ windows: 3, alerts: 2, recall: 0.333333, precision: 0.5 });
    expect(s.time_to_detect_s).toMatchObject({ W0: null, W2: null });
    const ttd = s.time_to_detect_s.W1!;
    expect(ttd).toBeGreaterThanOrEqual(0);
    expect(ttd).toBeLessThanOrEqual((w1End - first.on) / 1000);
    // One false alarm over the quiet time of the span read: [W0 start, W2 end] less the windows.
    const quietMs = w2 + 1_000 - (first.on - 60_000) - 30_000 - (w1End - first.on) - 1_000;
    expect(s.false_alarms_per_hour).toBeCloseTo(3_600_000 / quietMs, 3);
    // NAB: W1 detected (at most +1), two windows missed (-2), one false alarm (between 0 and -0.11):
    // raw in (-2.11, -1], normalised 100·(raw + 3)/6 in (14.8, 33.4].
    expect(s.nab_score).toBeGreaterThan(14.8);
    expect(s.nab_score).toBeLessThanOrEqual(33.4);
  }, 120_000);

  it("names an unknown alert and a bad URL (exit 2), an unreachable or silent server (exit 1)", async () => {
    const labels = join(dir, "one.jsonl");
    writeFileSync(
      labels,
      `${JSON.stringify({ cascade_id: "A", start: iso(Date.now() - 60_000), end: iso(Date.now()) })}\n`,
    );
    const base = ["score", "--labels", labels];
    const unknown = await runCli([...base, "--prometheus", promUrl, "--alert", "Nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`--alert: ${promUrl} has no alerting rule named "Nope"`);
    expect(unknown.stderr).toContain(`${ALERT}, NeverFires`);
    for (const url of ["not a url", "ftp://127.0.0.1/"]) {
      const bad = await runCli([...base, "--prometheus", url, "--alert", ALERT]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--prometheus: expected an http(s) URL");
    }
    const missing = await runCli([...base, "--prometheus", promUrl]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--alert is required");
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await runCli([...base, "--prometheus", closed, "--alert", ALERT]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`--prometheus ${closed}: cannot reach api/v1/rules (ECONNREFUSED)`);
    const port = (silent.address() as AddressInfo).port;
    const hung = await runCli([
      ...base,
      "--prometheus",
      `http://127.0.0.1:${port}`,
      "--alert",
      ALERT,
      "--timeout",
      "300ms",
    ]);
    expect(hung.code).toBe(1);
    expect(hung.stderr).toContain("no answer within 0.3 s");
    for (const r of [unknown, down, hung]) expect(r.stderr).not.toMatch(STACK_LINE);
  }, 60_000);
});
