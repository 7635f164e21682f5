import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";
import { rejection, yamlFile } from "./helpers.js";

const FULL = `cascades:
  - name: payment-brownout
    every: 30m
    offset: 5m
    duration: 5m
    ramp: 1m
    scope: { endpoints: ["/api/payment*"], user_types: [new], workflows: [checkout], share: 1.0 }
    effects:
      slow:        { probability: 0.6, factor: [3, 10] }
      timeout:     { probability: 0.2, after: 30s, status: 504 }
      unavailable: { probability: 0.15, status: 503 }
      retry:       { probability: 0.3, backoff: [200ms, 2s], max: 3 }
    propagate: { to_callers: true, delay: 1m, damping: 0.5 }
`;

const SEED_EFFECTS = {
  slow: { probability: 0.6, factor: [3, 10] },
  timeout: { probability: 0.2, after: 30_000, status: 504 },
  unavailable: { probability: 0.15, status: 503 },
  retry: { probability: 0.3, backoff: [200, 2000], max: 3 },
};

async function problemsOf(yaml: string) {
  const err = await rejection(loadConfig({ file: yamlFile(yaml), env: {} }));
  expect(err.code).toBe("TW_CONFIG_INVALID");
  return err.problems;
}

describe("cascades config", () => {
  it("accepts the issue's example, durations in ms", async () => {
    const c = await loadConfig({ file: yamlFile(FULL), env: {} });
    expect(c.cascades).toEqual([
      {
        name: "payment-brownout",
        every: 1_800_000,
        offset: 300_000,
        duration: 300_000,
        ramp: 60_000,
        scope: { endpoints: ["/api/payment*"], user_types: ["new"], workflows: ["checkout"], share: 1 },
        effects: SEED_EFFECTS,
        propagate: { to_callers: true, delay: 60_000, damping: 0.5 },
        envoy_faults: false,
      },
    ]);
  });

  it("fills the seed guide's effects, share 1 and ramp 0 by default", async () => {
    const c = await loadConfig({
      file: yamlFile(
        'cascades: [{ name: a, cron: "*/30 * * * *", duration: 5m }, { name: b, at: [10m, 2h30m], duration: 1m }]\n',
      ),
      env: {},
    });
    expect(c.cascades[0]).toEqual({
      name: "a",
      cron: "*/30 * * * *",
      duration: 300_000,
      ramp: 0,
      scope: { share: 1 },
      effects: SEED_EFFECTS,
      envoy_faults: false,
    });
    expect(c.cascades[1]!.at).toEqual([600_000, 9_000_000]);
  });

  it("names the path of each mistake", async () => {
    const cases: [string, string, RegExp][] = [
      ["cascades: [{ name: a, every: soon, duration: 5m }]", "cascades[0].every", /duration/],
      ["cascades: [{ name: a, duration: 5m }]", "cascades[0]", /exactly one of every, at or cron/],
      ["cascades: [{ name: a, every: 1m, at: [1m], duration: 5m }]", "cascades[0]", /got every, at/],
      ["cascades: [{ name: a, at: [1m], offset: 1m, duration: 5m }]", "cascades[0].offset", /with every/],
      ["cascades: [{ name: a, every: 1h, duration: 5m, ramp: 3m }]", "cascades[0].ramp", /duration \/ 2/],
      ['cascades: [{ name: a, cron: "*/30 * *", duration: 5m }]', "cascades[0].cron", /5 fields/],
      ['cascades: [{ name: a, cron: "61 * * * *", duration: 5m }]', "cascades[0].cron", /minute "61"/],
      [
        "cascades: [{ name: a, every: 1h, duration: 5m, effects: { timeout: { probability: 0.6 }, unavailable: { probability: 0.5 } } }]",
        "cascades[0].effects.unavailable.probability",
        /<= 1/,
      ],
      [
        "cascades: [{ name: a, every: 1h, duration: 5m, effects: { slow: { factor: [10, 3] } } }]",
        "cascades[0].effects.slow.factor",
        /min <= max/,
      ],
      [
        "cascades: [{ name: a, every: 1h, duration: 5m, scope: { share: 2 } }]",
        "cascades[0].scope.share",
        /1/,
      ],
      [
        "cascades: [{ name: a, every: 1h, duration: 5m, scope: { endpoint: [x] } }]",
        "cascades[0].scope.endpoint",
        /did you mean "endpoints"/,
      ],
      [
        "cascades: [{ name: a, every: 1h, duration: 5m }, { name: a, every: 2h, duration: 5m }]",
        "cascades[1].name",
        /duplicate cascade name "a"/,
      ],
    ];
    for (const [yaml, path, message] of cases) {
      const problems = await problemsOf(`${yaml}\n`);
      expect(problems, yaml).toContainEqual({ path, message: expect.stringMatching(message) });
    }
  });
});

describe("tracewalk validate with a bad cascade", () => {
  const tmp = tempDir("tw-cascade-");
  afterAll(() => tmp.remove());

  it("prints each problem as path: message with its line, exit 2, no stack", async () => {
    const file = join(tmp.dir, "bad.yaml");
    writeFileSync(
      file,
      "cascades:\n  - { name: a, every: soon, duration: 5m }\n  - { name: b, at: [1m], duration: 2m, ramp: 2m }\n",
    );
    const r = await runCli(["validate", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cascades\[0\]\.every: expected a duration .*bad\.yaml:2:\d+/);
    expect(r.stderr).toContain("cascades[1].ramp: expected ramp <= duration / 2");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
