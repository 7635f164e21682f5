// Properties of the workflow validator and YAML: any value or text gives problems or a workflow,
// never a crash; a valid workflow written as YAML reads back deep-equal.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  checkWorkflow,
  END,
  loadWorkflow,
  PRESETS,
  parseWorkflow,
  validateWorkflow,
  type Workflow,
  workflowToYaml,
} from "../../src/workflow/index.js";
import { RUNS, resultOrClearError, scratch } from "./clear.js";
import { mutated, mutatedText } from "./mutate.js";

const tmp = scratch("tw-prop-wf-");
afterAll(() => tmp.remove());

/** Probabilities in eighths: exact in binary, so a row sums to exactly 1. */
const UNITS = 8;

/** A distribution of UNITS eighths over `keys`, `first` getting at least one. */
function distribution(keys: string[], first: string, cuts: number[]): Record<string, number> {
  const counts = new Map<string, number>([[first, 1]]);
  for (const c of cuts) {
    const k = keys[c % keys.length]!;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].map(([k, n]) => [k, n / UNITS]));
}

/**
 * A valid workflow: endpoints e0..en-1 in a chain (each row reaches the next, so every endpoint is
 * reachable from e0), the last one the exit point, other transitions and $end drawn at random; the
 * names and descriptions arbitrary text, to stress the YAML quoting.
 */
const validWorkflow: fc.Arbitrary<Workflow> = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ""),
    description: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
    segments: fc.uniqueArray(fc.stringMatching(/^[a-z0-9_.-]{1,8}$/), { minLength: 2, maxLength: 6 }),
    cuts: fc.array(fc.array(fc.nat(), { minLength: UNITS - 1, maxLength: UNITS - 1 }), {
      minLength: 7,
      maxLength: 7,
    }),
    times: fc.option(fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 6, maxLength: 6 }), {
      nil: undefined,
    }),
    premium: fc.option(fc.integer({ min: 0, max: UNITS }), { nil: undefined }),
  })
  .map(({ name, description, segments, cuts, times, premium }) => {
    const eps = segments.map((s, i) => `/${s}${i % 2 === 1 ? "/{id}" : ""}`);
    const last = eps[eps.length - 1]!;
    const transitions: Record<string, Record<string, number>> = {};
    eps.slice(0, -1).forEach((ep, i) => {
      transitions[ep] = distribution([...eps, END], eps[i + 1]!, cuts[i + 1]!);
    });
    const w: Workflow = {
      name,
      entry_points: distribution(eps.slice(0, -1), eps[0]!, cuts[0]!),
      transitions,
      exit_points: [last],
    };
    if (description !== undefined) w.description = description;
    if (times) w.avg_response_times = Object.fromEntries(eps.map((e, i) => [e, times[i]!]));
    if (premium !== undefined)
      w.user_type_distribution = { premium: premium / UNITS, regular: (UNITS - premium) / UNITS };
    return w;
  });

/** A preset with one field dropped, retyped, or set to junk. */
const mutatedPreset = fc.constantFrom(...Object.values(PRESETS)).chain((p) => mutated(p));

describe("workflow properties", () => {
  it("the validator gives problems or none for any value, never a crash", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), mutatedPreset), (value) => {
        const check = checkWorkflow(value);
        expect(Array.isArray(check.problems) && Array.isArray(check.warnings)).toBe(true);
        for (const p of [...check.problems, ...check.warnings]) {
          expect(typeof p.path).toBe("string");
          expect(p.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("YAML text of any kind gives a workflow or a clear TwError (parse and load from a file)", async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      mutatedPreset.map((w) => stringify(w)),
      // A valid workflow with a character changed, added or cut.
      validWorkflow.chain((w) => mutatedText(workflowToYaml(w))),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        const parsed = await resultOrClearError(() => parseWorkflow(t, "w.yaml"));
        const loaded = await resultOrClearError(() => loadWorkflow(tmp.file(".yaml", t)));
        // The file and the text say the same.
        expect(loaded.ok).toBe(parsed.ok);
        if (parsed.ok) expect(validateWorkflow(parsed.value)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("round trip: a valid workflow written as YAML reads back deep-equal", () => {
    fc.assert(
      fc.property(validWorkflow, (w) => {
        expect(validateWorkflow(w)).toEqual([]);
        const yaml = workflowToYaml(w);
        expect(parseWorkflow(yaml, "roundtrip.yaml")).toEqual(w);
        // Writing it again gives the same text: the YAML is canonical.
        expect(workflowToYaml(parseWorkflow(yaml, "again.yaml"))).toBe(yaml);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
