import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { injectOf } from "../../src/config/cascade.js";
import { loadConfig, redactConfig, redactInject } from "../../src/config/index.js";
import { toxicsFor } from "../../src/http/inject/toxiproxy.js";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";
import { startTarget } from "../helpers/http-target.js";
import { rejection, yamlFile } from "./helpers.js";

const tmp = tempDir("tw-inject-config-");
afterAll(() => tmp.remove());

const TARGET = 'target: { url: "http://127.0.0.1:1", allow_hosts: [127.0.0.1] }\n';
const cascade = (extra: string) => `cascades: [{ name: drill, at: [2s], duration: 3s${extra} }]\n`;

async function problemsOf(yaml: string) {
  const err = await rejection(loadConfig({ file: yamlFile(yaml), env: {} }));
  expect(err.code).toBe("TW_CONFIG_INVALID");
  return err.problems.map((p) => `${p.path}: ${p.message}`);
}

describe("the inject key", () => {
  it("is required in HTTP mode, naming cascades[i].inject", async () => {
    const problems = await problemsOf(TARGET + cascade(""));
    expect(problems).toEqual([expect.stringMatching(/^cascades\[0\]\.inject: required in HTTP mode/)]);
  });

  it("is refused in emit mode (no target), and accepted but unused in a dry run", async () => {
    const problems = await problemsOf(cascade(", inject: { client: true }"));
    expect(problems).toEqual([expect.stringMatching(/^cascades\[0\]\.inject: only with a target/)]);
    expect(await problemsOf(cascade(", envoy_faults: true"))).toEqual([
      expect.stringMatching(/^cascades\[0\]\.envoy_faults: only with a target/),
    ]);
    const dry = 'target: { url: "http://127.0.0.1:1", allow_hosts: [127.0.0.1], dry_run: true }\n';
    await loadConfig({ file: yamlFile(dry + cascade("")), env: {} });
    await loadConfig({ file: yamlFile(dry + cascade(", inject: none")), env: {} });
  });

  it("takes each injector, none, and envoy_faults as an alias of { envoy: true }", async () => {
    const c = await loadConfig({
      file: yamlFile(
        TARGET +
          "cascades:\n" +
          "  - { name: a, at: [1s], duration: 1s, inject: none }\n" +
          "  - { name: b, at: [1s], duration: 1s, envoy_faults: true }\n" +
          "  - { name: c, at: [1s], duration: 1s, inject: { client: true, webhook: { url: http://127.0.0.1:9/h } } }\n" +
          "  - name: d\n    at: [1s]\n    duration: 1s\n    inject:\n      toxiproxy:\n        url: http://127.0.0.1:8474\n        proxy: api\n        toxics: [{ type: latency, attributes: { latency: 300 } }]\n",
      ),
      env: {},
    });
    expect(c.cascades.map(injectOf)).toEqual([
      "none",
      { client: false, envoy: true },
      { client: true, envoy: false, webhook: { url: "http://127.0.0.1:9/h", headers: {} } },
      {
        client: false,
        envoy: false,
        toxiproxy: {
          url: "http://127.0.0.1:8474",
          proxy: "api",
          toxics: [{ type: "latency", stream: "downstream", toxicity: 1, attributes: { latency: 300 } }],
        },
      },
    ]);
  });

  it("names the path of each mistake", async () => {
    const cases: [string, RegExp][] = [
      [", inject: {}", /cascades\[0\]\.inject: .*at least one of client, envoy, toxiproxy, webhook/],
      [", inject: sometimes", /cascades\[0\]\.inject: expected "none" or an object/],
      [", inject: { toxiproxy: { url: http://127.0.0.1:8474 } }", /cascades\[0\]\.inject\.toxiproxy\.proxy/],
      [
        ", inject: { toxiproxy: { url: http://x:1, proxy: p, toxics: [{ type: lag }] } }",
        /cascades\[0\]\.inject\.toxiproxy\.toxics\[0\]\.type/,
      ],
      [", inject: { webhook: { url: ftp://x } }", /cascades\[0\]\.inject\.webhook\.url/],
    ];
    for (const [extra, want] of cases)
      expect((await problemsOf(TARGET + cascade(extra))).join("\n")).toMatch(want);
  });
});

describe("secrets of a webhook", () => {
  it("never reach the logged config: header values, the URL's query and user info", async () => {
    const c = await loadConfig({
      file: yamlFile(
        TARGET +
          cascade(
            `, inject: { webhook: { url: "http://u:pw-123@127.0.0.1:9/h?token=tok-987", headers: { authorization: "Bearer $\{HOOK_TOKEN}" } } }`,
          ),
      ),
      env: { HOOK_TOKEN: "hook-secret-456" },
    });
    const logged = JSON.stringify(redactConfig(c));
    for (const secret of ["pw-123", "tok-987", "hook-secret-456"]) expect(logged).not.toContain(secret);
    expect(logged).toContain("127.0.0.1:9/h");
  });

  it("redactInject (the logged config, GET /control/cascades): every query value, user info, headers", () => {
    const shown = redactInject({
      client: false,
      envoy: false,
      toxiproxy: { url: "http://admin:tp-pw@127.0.0.1:8474", proxy: "api" },
      webhook: { url: "https://u:pw@hooks.test/h?room=r-42&x", headers: { "x-key": "k-1" } },
    });
    expect(shown).toEqual({
      client: false,
      envoy: false,
      toxiproxy: { url: "http://[redacted]@127.0.0.1:8474/", proxy: "api" },
      webhook: {
        url: "https://[redacted]@hooks.test/h?room=[redacted]&x=[redacted]",
        headers: { "x-key": "[redacted]" },
      },
    });
  });
});

describe("toxics from the effects", () => {
  it("maps slow to latency (the mean times the factor's midpoint, minus the mean), timeout, unavailable; skips zero", () => {
    const effects = {
      slow: { probability: 0.6, factor: [3, 5] as [number, number] },
      timeout: { probability: 0.2, after: 1500, status: 504 },
      unavailable: { probability: 0, status: 503 },
      retry: { probability: 0.3, backoff: [200, 2000] as [number, number], max: 3 },
    };
    expect(toxicsFor({ cascade_id: "x-3", effects }, undefined, 100)).toEqual([
      {
        name: "x-3-0",
        type: "latency",
        stream: "downstream",
        toxicity: 0.6,
        attributes: { latency: 300, jitter: 100 },
      },
      { name: "x-3-1", type: "timeout", stream: "downstream", toxicity: 0.2, attributes: { timeout: 1500 } },
    ]);
  });
});

describe("refusals on the command line", () => {
  it("run in HTTP mode without inject: exit 2 naming cascades[0].inject, before any request; validate says the same", async () => {
    const t = await startTarget();
    try {
      const file = join(tmp.dir, "no-inject.yaml");
      writeFileSync(
        file,
        `target: { url: "${t.url}", allow_hosts: [127.0.0.1] }\nmetrics: { enabled: false }\n${cascade("")}`,
      );
      const r = await runCli(["run", "--config", file, "--duration", "2s"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("cascades[0].inject: required in HTTP mode");
      expect(r.stderr).not.toMatch(STACK_LINE);
      const v = await runCli(["validate", file]);
      expect(v.code).toBe(2);
      expect(v.stderr).toContain("cascades[0].inject: required in HTTP mode");
      expect(t.received).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it("run in emit mode with inject: exit 2 naming cascades[0].inject", async () => {
    const file = join(tmp.dir, "emit.yaml");
    writeFileSync(file, `metrics: { enabled: false }\n${cascade(", inject: { client: true }")}`);
    const r = await runCli(["run", "--config", file, "--duration", "1s", "--out", join(tmp.dir, "e.jsonl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cascades[0].inject: only with a target");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
