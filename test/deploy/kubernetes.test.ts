import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { loadConfig } from "../../src/config/index.js";
import { tempDir } from "../helpers/cli.js";
import { projectStages } from "../helpers/dockerfile.js";
import { requireTool } from "../helpers/metrics.js";

// Every manifest of deploy/kubernetes is validated against the Kubernetes API schemas by
// kubernetes-validate (offline, strict: unknown fields fail), for the oldest and newest versions we
// support; the ServiceMonitor (a CRD, no schema there) by shape. Then the manifests must agree with
// each other and with tracewalk: names, ports, labels, credentials, shards and the shutdown's bound.

const ROOT = new URL("../..", import.meta.url).pathname;
const DIR = join(ROOT, "deploy/kubernetes");
/** 1.28 brought the pod-index label the StatefulSet reads; 1.31 is the oldest we validate against. */
const K8S_VERSIONS = ["1.31.0", "1.37.0"];
/** The run's own second after drain_timeout before it exits (src/cli/supervise.ts). */
const EXIT_GRACE_S = 1;

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain YAML data, checked field by field below
type Manifest = any;

const files = readdirSync(DIR, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => join(DIR, f))
  .sort();
const manifests: (Manifest & { file: string })[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(file, "utf8")).map((d) => ({ ...(d.toJS() as Manifest), file })),
);

function get(kind: string, name?: string): Manifest {
  const m = manifests.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!m) throw new Error(`deploy/kubernetes: no ${kind}${name ? ` ${name}` : ""}`);
  return m;
}

const isCrd = (m: Manifest) => m.apiVersion.includes(".coreos.com/");
const configMap = get("ConfigMap", "tracewalk-config");
const secret = get("Secret", "tracewalk-kafka");
const sts = get("StatefulSet");
const job = get("Job");
const service = get("Service");

function validate(version: string, paths: string[]) {
  const r = spawnSync("kubernetes-validate", ["-k", version, "--strict", ...paths], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** The environment Kubernetes gives a pod's container: secrets resolved, the downward API's pod index. */
function podEnv(container: Manifest, podIndex: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (ref) {
      expect(ref.name, `${e.name}: the Secret`).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData), `${e.name}: a key of the Secret`).toContain(ref.key);
      env[e.name] = secret.stringData[ref.key];
    } else if (field === "metadata.labels['apps.kubernetes.io/pod-index']") env[e.name] = String(podIndex);
    else if (e.value !== undefined) env[e.name] = e.value;
    else throw new Error(`${e.name}: a source this test does not know`);
  }
  return env;
}

function shardArg(container: Manifest): string {
  const args: string[] = container.args;
  return args[args.indexOf("--shard") + 1]!;
}

const tmp = tempDir("tw-k8s-");
let configFile: string;
beforeAll(() => {
  configFile = join(tmp.dir, "tracewalk.yaml");
  writeFileSync(configFile, configMap.data["tracewalk.yaml"]);
});
afterAll(() => tmp.remove());

describe("deploy/kubernetes manifests", () => {
  it.each(K8S_VERSIONS)("pass kubernetes-validate --strict for Kubernetes %s", (version) => {
    requireTool("kubernetes-validate", "install it with `pip install kubernetes-validate` — .ci/run does");
    const paths = [...new Set(manifests.filter((m) => !isCrd(m)).map((m) => m.file))];
    expect(paths.length).toBeGreaterThanOrEqual(6);
    const r = validate(version, paths);
    expect(r.status, r.out).toBe(0);
    for (const p of paths) expect(r.out, relative(ROOT, p)).toMatch(new RegExp(`${p} passed`));
  });

  it("are really checked: a field the schema does not know fails", () => {
    requireTool("kubernetes-validate", "install it with `pip install kubernetes-validate` — .ci/run does");
    const { file: _, ...copy } = sts;
    const bad = join(tmp.dir, "bad.yaml");
    writeFileSync(bad, stringify({ ...copy, spec: { ...copy.spec, replica: 3 } }));
    const r = validate(K8S_VERSIONS[0]!, [bad]);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("replica");
  });

  it("give the PrometheusRule (a CRD) exactly the rules of deploy/prometheus", () => {
    const rule = get("PrometheusRule");
    expect(rule.apiVersion).toBe("monitoring.coreos.com/v1");
    const rules = parse(readFileSync(join(ROOT, "deploy/prometheus/tracewalk.rules.yml"), "utf8"));
    expect(rule.spec).toEqual(rules);
  });

  it("keep the Operator's CRDs in monitoring/, apart from what applies without the Operator", () => {
    for (const m of manifests)
      expect(isCrd(m), relative(DIR, m.file)).toBe(relative(DIR, m.file).startsWith("monitoring/"));
  });

  it("give the ServiceMonitor (a CRD) the Service's labels and metrics port", () => {
    const sm = get("ServiceMonitor");
    expect(sm.apiVersion).toBe("monitoring.coreos.com/v1");
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels))
      expect(service.metadata.labels[k]).toBe(v);
    const ports = service.spec.ports.map((p: { name: string }) => p.name);
    for (const e of sm.spec.endpoints) {
      expect(ports).toContain(e.port);
      expect(e.path).toBe("/metrics");
    }
  });
});

describe("the StatefulSet and the indexed Job", () => {
  const workloads = [
    { name: "StatefulSet", m: sts, replicas: () => sts.spec.replicas as number },
    { name: "Job", m: job, replicas: () => job.spec.completions as number },
  ];

  it("select their own pods, and the Service and the PodDisruptionBudget select the StatefulSet's", () => {
    const podLabels = sts.spec.template.metadata.labels;
    const matches = (sel: Record<string, string>) =>
      Object.entries(sel).every(([k, v]) => podLabels[k] === v);
    expect(matches(sts.spec.selector.matchLabels)).toBe(true);
    expect(matches(service.spec.selector)).toBe(true);
    expect(matches(get("PodDisruptionBudget").spec.selector.matchLabels)).toBe(true);
    expect(sts.spec.serviceName).toBe(service.metadata.name);
    expect(job.spec.completionMode).toBe("Indexed");
    expect(job.spec.parallelism).toBe(job.spec.completions);
  });

  it.each(workloads)("$name: N in --shard auto/N is its number of replicas", ({ m, replicas }) => {
    const container = m.spec.template.spec.containers[0];
    expect(shardArg(container)).toBe(`auto/${replicas()}`);
  });

  it.each(workloads)(
    "$name: terminationGracePeriodSeconds covers drain_timeout, the exit and a margin",
    async ({ m }) => {
      const config = await loadConfig({
        file: configFile,
        env: podEnv(sts.spec.template.spec.containers[0], 0),
      });
      const grace = m.spec.template.spec.terminationGracePeriodSeconds as number;
      expect(grace).toBeGreaterThanOrEqual(config.drain_timeout / 1000 + EXIT_GRACE_S + 3);
    },
  );

  it("every StatefulSet pod runs its own shard, and the N shards are 0..N-1 (from the pod index or the host name)", async () => {
    const container = sts.spec.template.spec.containers[0];
    const n = sts.spec.replicas as number;
    const flags = { shard: shardArg(container) };
    for (let k = 0; k < n; k++) {
      const viaLabel = await loadConfig({ file: configFile, env: podEnv(container, k), flags });
      expect(viaLabel.shard).toEqual({ index: k, count: n });
      // Before 1.28 the label is absent (POD_INDEX empty): the host name tracewalk-k gives k.
      const env = { ...podEnv(container, k), POD_INDEX: "", HOSTNAME: `${sts.metadata.name}-${k}` };
      expect((await loadConfig({ file: configFile, env, flags })).shard).toEqual({ index: k, count: n });
    }
  });

  it("every Job pod runs the shard of its completion index", async () => {
    const container = job.spec.template.spec.containers[0];
    const n = job.spec.completions as number;
    for (let k = 0; k < n; k++) {
      const env = {
        ...podEnv(container, k),
        JOB_COMPLETION_INDEX: String(k),
        HOSTNAME: `tracewalk-dataset-${k}-x7k2p`,
      };
      const config = await loadConfig({ file: configFile, env, flags: { shard: shardArg(container) } });
      expect(config.shard).toEqual({ index: k, count: n });
    }
  });

  // `tracewalk validate` reads no environment, and this config needs the Secret's: it is loaded as
  // `run` loads it, with the environment the pod gets.
  it("run as the image's non-root user, read-only, with a writable /tmp (Node's compile cache)", () => {
    const user = projectStages()
      .at(-1)!
      .body.find((i) => i.op === "USER")!.args;
    for (const m of [sts, job]) {
      const pod = m.spec.template.spec;
      expect(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`).toBe(user);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      const c = pod.containers[0];
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(c.volumeMounts.map((v: { mountPath: string }) => v.mountPath)).toContain("/tmp");
    }
  });

  it("mount a config that loads with the pods' environment: Kafka over SASL from the Secret", async () => {
    const env = podEnv(sts.spec.template.spec.containers[0], 0);
    const config = await loadConfig({ file: configFile, env });
    const kafka = config.sinks.find((s) => s.type === "kafka");
    expect(kafka && "sasl" in kafka ? kafka.sasl : undefined).toEqual({
      mechanism: "scram-sha-512",
      username: secret.stringData.username,
      password: secret.stringData.password,
    });
    // The secret is not in the ConfigMap itself.
    expect(configMap.data["tracewalk.yaml"]).not.toContain(secret.stringData.password);
  });

  it("expose the config's metrics port to the probes, the Service and the scrape annotations", async () => {
    const config = await loadConfig({
      file: configFile,
      env: podEnv(sts.spec.template.spec.containers[0], 0),
    });
    const port = config.metrics.port;
    for (const m of [sts, job]) {
      const c = m.spec.template.spec.containers[0];
      const metrics = c.ports.find((p: { name: string }) => p.name === "metrics");
      expect(metrics.containerPort).toBe(port);
      expect(c.volumeMounts.find((v: { name: string }) => v.name === "config").mountPath).toBe(
        "/etc/tracewalk",
      );
      expect(
        m.spec.template.spec.volumes.find((v: { name: string }) => v.name === "config").configMap.name,
      ).toBe(configMap.metadata.name);
    }
    const c = sts.spec.template.spec.containers[0];
    expect([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(["/healthz", "/readyz"]);
    expect(c.livenessProbe.httpGet.port).toBe("metrics");
    expect(service.spec.ports[0].port).toBe(port);
    for (const a of [service.metadata.annotations, sts.spec.template.metadata.annotations]) {
      expect(a["prometheus.io/port"]).toBe(String(port));
      expect(a["prometheus.io/scrape"]).toBe("true");
    }
  });
});
