// Properties of the config loader: any file, environment or flags give a config or a clear TwError
// (exit 2, one line), never a crash.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadConfig, parseConfig } from "../../src/config/index.js";
import { RUNS, resultOrClearError, scratch } from "./clear.js";
import { junk, mutated, mutatedText } from "./mutate.js";

const tmp = scratch("tw-prop-config-");
afterAll(() => tmp.remove());

const EXAMPLES = ["config/tracewalk.yaml", "config/kafka.yaml", "config/closed-model.yaml"].map((f) =>
  readFileSync(new URL(`../../${f}`, import.meta.url), "utf8"),
);

/** Config keys as `--set` and TRACEWALK_* name them, with a few that are not keys. */
const KEYS = [
  "seed",
  "clock.speed",
  "clock.duration",
  "clock.start",
  "load.model",
  "load.arrival_rate",
  "load.users",
  "load.stages",
  "workflows",
  "sinks",
  "sinks.0.path",
  "cascades",
  "generation.cascade_rate",
  "generation.think_time",
  "target",
  "target.url",
  "metrics.addr",
  "shard",
  "control",
  "nope.nothing",
];

const configText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(...EXAMPLES).chain((t) => mutatedText(t)),
  fc
    .constantFrom(...EXAMPLES.map((t) => parse(t) as unknown))
    .chain((v) => mutated(v).map((m) => stringify(m))),
);

const setFlag = fc
  .tuple(
    fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })),
    fc.oneof(
      fc.string({ maxLength: 30 }),
      junk.map((v) => JSON.stringify(v) ?? ""),
    ),
  )
  .map(([k, v]) => `${k}=${v}`);

const envVar = fc.tuple(
  fc.oneof(
    fc.constantFrom(...KEYS).map((k) => `TRACEWALK_${k.toUpperCase().replaceAll(".", "__")}`),
    fc.string({ maxLength: 10 }).map((s) => `TRACEWALK_${s}`),
  ),
  fc.string({ maxLength: 20 }),
);

describe("config loader properties", () => {
  it("any file text gives a config or a clear TwError", async () => {
    await fc.assert(
      fc.asyncProperty(configText, async (text) => {
        const out = await resultOrClearError(() => loadConfig({ file: tmp.file(".yaml", text), env: {} }));
        if (!out.ok) expect(out.error.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("any TRACEWALK_* environment and flags give a config or a clear TwError", async () => {
    const flags = fc.record(
      {
        seed: fc.string({ maxLength: 8 }),
        speed: fc.string({ maxLength: 8 }),
        duration: fc.string({ maxLength: 8 }),
        start: fc.string({ maxLength: 30 }),
        shard: fc.string({ maxLength: 6 }),
        set: fc.array(setFlag, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(envVar, { maxLength: 3 }), flags, async (env, f) => {
        await resultOrClearError(() => loadConfig({ env: Object.fromEntries(env), flags: f }));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("any parsed value gives a config or a clear TwError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.constantFrom(...EXAMPLES.map((t) => parse(t) as unknown)).chain((v) => mutated(v)),
        ),
        async (value) => {
          await resultOrClearError(() => parseConfig(value));
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  // Found by the properties above (each crashed with exit 1 and the YAML library's message).
  it("an alias to no anchor in the file is a problem of the file", async () => {
    const file = tmp.file(".yaml", "*-\n");
    const out = await resultOrClearError(() => loadConfig({ file, env: {} }));
    expect(out.ok).toBe(false);
    if (!out.ok)
      expect(out.error.problems).toEqual([
        { path: file, message: expect.stringMatching(/^Unresolved alias/) },
      ]);
  });

  it("an environment variable or --set that opens a YAML list or map but is none is named", async () => {
    const out = await resultOrClearError(() =>
      loadConfig({ env: { TRACEWALK_CONTROL: "[" }, flags: { set: ["sinks={a"] } }),
    );
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.problems.map((p) => p.path)).toEqual(["TRACEWALK_CONTROL", "--set sinks"]);
  });
});
