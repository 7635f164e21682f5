#!/usr/bin/env node
// The Grafana dashboard's panels from a real run, without Grafana: two shards of the daemon (a load
// ramp, a few cascades) scraped by a real Prometheus every second; every timeseries panel's queries
// are then asked of Prometheus over the run and plotted by plot_panels.py (matplotlib) into a PNG.
//
//   npm run build && node scripts/deploy/panels.mjs [--seconds 90] [--png deploy/grafana/panels.png]
//
// Needs `prometheus` on PATH (Debian's package) and python3 with matplotlib. Listens on 127.0.0.1 only.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("../..", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "90" },
    png: { type: "string", default: "deploy/grafana/panels.png" },
  },
});
const seconds = Number(values.seconds);
const dir = mkdtempSync(join(tmpdir(), "tw-panels-"));
const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, probe, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await probe()) return;
    } catch {}
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// A ramp from 10 to 120 users per virtual second over half the run (speed 60), then steady.
const rampMinutes = Math.round(seconds / 2);
writeFileSync(
  join(dir, "tracewalk.yaml"),
  `load:\n  model: open\n  arrival_rate: 10\n  stages:\n    - { duration: ${rampMinutes}m, target: 120 }\n` +
    "clock:\n  speed: 60\ngeneration:\n  cascade_rate: 0.02\n",
);

const ports = [await freePort(), await freePort()];
for (const [k, port] of ports.entries()) {
  const args = [join(root, "dist/cli/main.js"), "run", "--config", join(dir, "tracewalk.yaml")];
  args.push(
    "--shard",
    `${k}/2`,
    "--metrics-addr",
    `127.0.0.1:${port}`,
    "--out",
    join(dir, `shard${k}.jsonl`),
  );
  children.push(spawn(process.execPath, args, { stdio: ["ignore", "ignore", "ignore"] }));
}
const promPort = await freePort();
const targets = ports.map((p) => `"127.0.0.1:${p}"`).join(", ");
writeFileSync(
  join(dir, "prometheus.yml"),
  `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n  - job_name: tracewalk\n    static_configs:\n      - targets: [${targets}]\n`,
);
children.push(
  spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      "--log.level=error",
    ],
    { stdio: "ignore" },
  ),
);

const prom = `http://127.0.0.1:${promPort}`;
try {
  await waitFor("Prometheus to scrape both shards", async () => {
    const r = await (await fetch(`${prom}/api/v1/query?query=count(up==1)`)).json();
    return Number(r.data.result[0]?.value[1]) === 2;
  });
  const start = Date.now() / 1000;
  process.stderr.write(`running for ${seconds} s…\n`);
  await sleep(seconds * 1000);
  const end = Date.now() / 1000;

  const dash = JSON.parse(readFileSync(join(root, "deploy/grafana/dashboards/tracewalk.json"), "utf8"));
  const panels = [];
  for (const p of dash.panels.filter((x) => x.type === "timeseries")) {
    const series = [];
    for (const t of p.targets) {
      const expr = t.expr.replaceAll("$__rate_interval", "10s").replaceAll("$instance", ".*");
      const q = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: "1" });
      const r = await (await fetch(`${prom}/api/v1/query_range?${q}`)).json();
      if (r.status !== "success") throw new Error(`${p.title}: ${expr}: ${JSON.stringify(r)}`);
      for (const s of r.data.result) {
        const legend = t.legendFormat.replace(/\{\{(\w+)\}\}/g, (_, l) => s.metric[l] ?? "");
        series.push({ legend, points: s.values.map(([ts, v]) => [ts - start, Number(v)]) });
      }
    }
    panels.push({ title: p.title, unit: p.fieldConfig.defaults.unit, series });
  }
  const data = join(dir, "panels.json");
  writeFileSync(data, JSON.stringify({ seconds, panels }));
  const png = join(root, values.png);
  const py = spawnSync("python3", [join(root, "scripts/deploy/plot_panels.py"), data, png], {
    stdio: "inherit",
  });
  if (py.status !== 0) throw new Error("plot_panels.py failed");
  process.stderr.write(`wrote ${values.png}\n`);
} finally {
  for (const c of children) c.kill("SIGTERM");
  await sleep(1000);
  rmSync(dir, { recursive: true, force: true });
}
