import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { requireTool } from "../helpers/metrics.js";

// No container engine here: what can be checked offline is. The files parse, every bind mount exists,
// the services agree on names and ports, the mounted tracewalk config validates, and Prometheus's
// config (laid out as the container sees it) passes `promtool check config`.

const ROOT = new URL("../..", import.meta.url).pathname;
const DIR = join(ROOT, "deploy/compose");

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, unknown>;
}

const compose = parse(readFileSync(join(DIR, "docker-compose.yml"), "utf8")) as {
  services: Record<string, Service>;
};
const svc = compose.services;

/** A service's bind mounts as [host path (absolute), container path]. */
function mounts(name: string): [string, string][] {
  return (svc[name]!.volumes ?? []).map((v) => {
    const [src, dst] = v.split(":");
    return [resolve(DIR, src!), dst!];
  });
}

/** The host file mounted at `containerPath` in service `name`. */
function hostPath(name: string, containerPath: string): string {
  const m = mounts(name).find(([, dst]) => dst === containerPath);
  if (!m) throw new Error(`${name}: nothing is mounted at ${containerPath}`);
  return m[0];
}

/** The published container port of `host:container` mappings. */
function containerPorts(name: string): number[] {
  return (svc[name]!.ports ?? []).map((p) => Number(p.split(":").at(-1)));
}

const tmp = tempDir("tw-compose-");
afterAll(() => tmp.remove());

describe("deploy/compose", () => {
  it("runs Kafka (official image, KRaft), tracewalk, Prometheus and Grafana", () => {
    expect(Object.keys(svc).sort()).toEqual(["grafana", "kafka", "prometheus", "tracewalk"]);
    expect(svc.kafka!.image).toMatch(/^apache\/kafka:\d/);
    expect(String(svc.kafka!.environment!.KAFKA_PROCESS_ROLES).split(",").sort()).toEqual([
      "broker",
      "controller",
    ]);
    const depends = svc.tracewalk!.depends_on as Record<string, { condition: string }>;
    expect(depends.kafka?.condition).toBe("service_healthy");
  });

  it("mounts only files that exist, and builds tracewalk from the top-level Dockerfile", () => {
    for (const name of Object.keys(svc)) {
      for (const [src] of mounts(name)) expect(existsSync(src), `${name}: ${src}`).toBe(true);
    }
    const build = svc.tracewalk!.build!;
    expect(resolve(DIR, build.context)).toBe(resolve(ROOT));
    expect(existsSync(join(resolve(DIR, build.context), build.dockerfile))).toBe(true);
  });

  it("mounts a tracewalk config that validates, produces to Kafka's internal listener and is scraped", async () => {
    const command = svc.tracewalk!.command!;
    const file = hostPath("tracewalk", command[command.indexOf("--config") + 1]!);
    const r = await runCli(["validate", file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const config = await loadConfig({ file, env: {} });
    const kafka = config.sinks.find((s) => s.type === "kafka");
    const internal = String(svc.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS)
      .split(",")
      .find((l) => l.startsWith(`${svc.kafka!.environment!.KAFKA_INTER_BROKER_LISTENER_NAME}://`))!;
    expect(kafka && "brokers" in kafka ? kafka.brokers : []).toEqual([internal.split("://")[1]]);
    expect(containerPorts("tracewalk")).toContain(config.metrics.port);
    const prom = parse(readFileSync(hostPath("prometheus", "/etc/prometheus/prometheus.yml"), "utf8"));
    const targets = prom.scrape_configs.flatMap((s: { static_configs: { targets: string[] }[] }) =>
      s.static_configs.flatMap((c) => c.targets),
    );
    expect(targets).toContain(`tracewalk:${config.metrics.port}`);
  });

  it("gives Prometheus a config and rules that pass promtool check config, laid out as mounted", () => {
    requireTool("promtool", "install it with `apt-get install -y prometheus` (Debian) — .ci/run does");
    const etc = join(tmp.dir, "etc-prometheus");
    for (const [src, dst] of mounts("prometheus")) {
      expect(dst.startsWith("/etc/prometheus/"), dst).toBe(true);
      const target = join(etc, dst.slice("/etc/prometheus/".length));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(src, target);
    }
    const r = spawnSync("promtool", ["check", "config", join(etc, "prometheus.yml")], { encoding: "utf8" });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("provisions Grafana with the Prometheus service and the dashboards directory it mounts", () => {
    const prov = hostPath("grafana", "/etc/grafana/provisioning");
    const ds = parse(readFileSync(join(prov, "datasources/prometheus.yml"), "utf8")).datasources[0];
    expect(ds.url).toBe(`http://prometheus:${containerPorts("prometheus")[0]}`);
    const provider = parse(readFileSync(join(prov, "dashboards/tracewalk.yml"), "utf8")).providers[0];
    const dashboards = hostPath("grafana", provider.options.path);
    const dash = JSON.parse(readFileSync(join(dashboards, "tracewalk.json"), "utf8"));
    const dsVar = dash.templating.list.find((v: { type: string }) => v.type === "datasource");
    expect(dsVar.current.value).toBe(ds.uid);
    const home = svc.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home).toBe(`${provider.options.path}/tracewalk.json`);
  });
});
