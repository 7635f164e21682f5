import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/errors.js";
import { checkWorkflow, PRESETS, validateWorkflow, type Workflow } from "../../src/workflow/index.js";

/** A small valid workflow: /a → /b → /c (exit), with $end from /a. */
function base(): Workflow {
  return {
    name: "t",
    entry_points: { "/a": 1 },
    transitions: {
      "/a": { "/b": 0.8, $end: 0.2 },
      "/b": { "/c": 0.5, "/a": 0.5 },
    },
    exit_points: ["/c"],
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests write values of the wrong type on purpose.
type Loose = Record<string, any>;

/** Problems of base() after a change to its plain-object form (so that wrong types can be written). */
function problemsAfter(change: (w: Loose) => void): Problem[] {
  const w = structuredClone(base()) as Loose;
  change(w);
  return validateWorkflow(w);
}

function only(problems: Problem[]): Problem {
  expect(problems, JSON.stringify(problems)).toHaveLength(1);
  return problems[0]!;
}

describe("validateWorkflow", () => {
  it("accepts a valid workflow and every preset", () => {
    expect(validateWorkflow(base())).toEqual([]);
    for (const preset of Object.values(PRESETS)) expect(validateWorkflow(preset)).toEqual([]);
  });

  it("reports a negative probability", () => {
    const problems = problemsAfter((w) => {
      w.transitions["/b"] = { "/c": 1.5, "/a": -0.5 };
    });
    expect(problems).toContainEqual({
      path: 'transitions["/b"]["/a"]',
      message: "probability must not be negative, got -0.5",
    });
    expect(problems).toContainEqual({
      path: 'transitions["/b"]["/c"]',
      message: "probability must not exceed 1, got 1.5",
    });
  });

  it("reports a probability that is not a number", () => {
    const p = only(problemsAfter((w) => (w.transitions["/a"]["/b"] = "0.8")));
    expect(p).toEqual({ path: 'transitions["/a"]["/b"]', message: 'expected a number, got "0.8"' });
  });

  it("reports a transitions row that does not sum to 1", () => {
    const p = only(problemsAfter((w) => (w.transitions["/b"]["/c"] = 0.4)));
    expect(p.path).toBe('transitions["/b"]');
    expect(p.message).toBe("probabilities sum to 0.9, expected 1");
  });

  it("accepts sums within 1e-6 of 1 and rejects beyond", () => {
    expect(problemsAfter((w) => (w.transitions["/b"] = { "/c": 0.5000005, "/a": 0.5 }))).toEqual([]);
    expect(only(problemsAfter((w) => (w.transitions["/b"] = { "/c": 0.500002, "/a": 0.5 }))).path).toBe(
      'transitions["/b"]',
    );
  });

  it("reports entry points that do not sum to 1 or are empty", () => {
    const p = only(problemsAfter((w) => (w.entry_points["/a"] = 0.7)));
    expect(p).toEqual({ path: "entry_points", message: "probabilities sum to 0.7, expected 1" });
    const q = only(problemsAfter((w) => (w.entry_points = {})));
    expect(q).toEqual({ path: "entry_points", message: "must list at least one entry point" });
  });

  it("reports a user_type_distribution that does not sum to 1", () => {
    const p = only(problemsAfter((w) => (w.user_type_distribution = { new: 0.5, premium: 0.2 })));
    expect(p).toEqual({ path: "user_type_distribution", message: "probabilities sum to 0.7, expected 1" });
  });

  it("reports a transition target that is not an endpoint", () => {
    const p = only(problemsAfter((w) => (w.transitions["/a"] = { "/b": 0.6, "/nowhere": 0.2, $end: 0.2 })));
    expect(p.path).toBe('transitions["/a"]["/nowhere"]');
    expect(p.message).toMatch(/^unknown target: "\/nowhere" is not an endpoint/);
  });

  it("reports an entry point that is not an endpoint", () => {
    const p = only(problemsAfter((w) => (w.entry_points = { "/a": 0.5, "/z": 0.5 })));
    expect(p.path).toBe('entry_points["/z"]');
    expect(p.message).toMatch(/"\/z" is not an endpoint/);
  });

  it("says how to make a missing endpoint one: a row, or a place in exit_points", () => {
    const p = only(problemsAfter((w) => (w.transitions["/b"] = { "/c": 0.5, "/browse": 0.5 })));
    expect(p.message).toBe(
      'unknown target: "/browse" is not an endpoint: give it a row in transitions, or add it to exit_points',
    );
  });

  it("reports a dead end: a non-exit endpoint with an empty row", () => {
    const p = only(
      problemsAfter((w) => {
        w.transitions["/b"] = { "/c": 0.5, "/d": 0.5 };
        w.transitions["/d"] = {};
      }),
    );
    expect(p).toEqual({
      path: 'transitions["/d"]',
      message: 'dead end: "/d" is not an exit point and has no transitions',
    });
  });

  it("accepts an exit point with a transitions row, with a warning that the row is never used", () => {
    const w = structuredClone(base());
    w.transitions["/c"] = { "/a": 1 };
    expect(checkWorkflow(w)).toEqual({
      problems: [],
      warnings: [
        { path: 'transitions["/c"]', message: 'never used: "/c" is an exit point, so sessions end there' },
      ],
    });
    expect(validateWorkflow(w)).toEqual([]);
  });

  it("still checks the contents of an exit point's row; an empty one only warns", () => {
    const w = structuredClone(base());
    w.transitions["/c"] = { "/a": 0.5, "/ghost": 0.2 };
    const { problems, warnings } = checkWorkflow(w);
    expect(warnings).toHaveLength(1);
    expect(problems.map((p) => p.path)).toEqual(['transitions["/c"]', 'transitions["/c"]["/ghost"]']);
    w.transitions["/c"] = {};
    expect(checkWorkflow(w).problems).toEqual([]);
    expect(checkWorkflow(w).warnings).toHaveLength(1);
  });

  it("reports an endpoint unreachable from every entry point", () => {
    const p = only(problemsAfter((w) => (w.transitions["/lonely"] = { "/c": 1 })));
    expect(p).toEqual({
      path: 'transitions["/lonely"]',
      message: '"/lonely" is unreachable from every entry point',
    });
    // An exit nobody leads to is located in exit_points.
    const q = only(problemsAfter((w) => w.exit_points.push("/bye")));
    expect(q.path).toBe("exit_points[1]");
    expect(q.message).toMatch(/"\/bye" is unreachable/);
  });

  it("treats zero-probability edges as absent when checking reachability", () => {
    const p = only(problemsAfter((w) => (w.transitions["/b"] = { "/c": 0, "/a": 1 })));
    expect(p.path).toBe("exit_points[0]");
    expect(p.message).toMatch(/unreachable/);
  });

  it("reports endpoints from which no exit or $end can be reached", () => {
    const problems = problemsAfter((w) => {
      w.transitions["/b"] = { "/c": 0.5, "/loop1": 0.5 };
      w.transitions["/loop1"] = { "/loop2": 1 };
      w.transitions["/loop2"] = { "/loop1": 1 };
    });
    expect(problems.map((p) => p.path)).toEqual(['transitions["/loop1"]', 'transitions["/loop2"]']);
    expect(problems[0]!.message).toMatch(/no exit point or \$end can be reached from "\/loop1"/);
  });

  it("reports unknown fields anywhere, naming them", () => {
    const problems = problemsAfter((w) => {
      w.exits = ["/c"];
      w.endpoints = { "/a": { method: "GET", timeout: 5, params: { page: { min: 1, max: 2, step: 1 } } } };
    });
    expect(problems).toEqual([
      { path: 'endpoints["/a"].params.page.step', message: 'unknown field "step"' },
      { path: 'endpoints["/a"].timeout', message: 'unknown field "timeout"' },
      { path: "exits", message: 'unknown field "exits"' },
    ]);
  });

  it("reports wrong types and missing fields with their paths", () => {
    const problems = problemsAfter((w) => {
      w.name = 42;
      w.exit_points = "/c";
      delete w.entry_points;
    });
    expect(problems).toContainEqual({ path: "name", message: "expected a string, got 42" });
    expect(problems).toContainEqual({ path: "exit_points", message: 'expected a list, got "/c"' });
    expect(problems).toContainEqual({ path: "entry_points", message: "required field is missing" });
    expect(validateWorkflow(null)).toEqual([{ path: "(top level)", message: "expected a map, got null" }]);
  });

  it("reports negative response times and response times of unknown endpoints", () => {
    const problems = problemsAfter((w) => (w.avg_response_times = { "/a": -5, "/ghost": 10 }));
    expect(problems).toEqual([
      { path: 'avg_response_times["/a"]', message: "response time must not be negative, got -5" },
      {
        path: 'avg_response_times["/ghost"]',
        message: expect.stringMatching(/"\/ghost" is not an endpoint/),
      },
    ]);
  });

  it("reports overrides for unknown endpoints", () => {
    const p = only(problemsAfter((w) => (w.endpoints = { "/ghost": { error_rate: 0.1 } })));
    expect(p.path).toBe('endpoints["/ghost"]');
    expect(p.message).toMatch(/^overrides for unknown endpoint: "\/ghost"/);
  });

  it("reports a bad method", () => {
    const p = only(problemsAfter((w) => (w.endpoints = { "/a": { method: "FETCH" } })));
    expect(p).toEqual({
      path: 'endpoints["/a"].method',
      message: 'expected one of GET, POST, PUT, DELETE, PATCH, got "FETCH"',
    });
  });

  it("reports an error_rate outside [0, 1], a negative jitter and a non-HTTP status", () => {
    const problems = problemsAfter(
      (w) =>
        (w.endpoints = { "/b": { error_rate: 1.2, response_time_jitter: -1, error_statuses: [503, 42] } }),
    );
    expect(problems).toEqual([
      { path: 'endpoints["/b"].error_rate', message: "error_rate must be between 0 and 1, got 1.2" },
      { path: 'endpoints["/b"].response_time_jitter', message: "must not be negative, got -1" },
      { path: 'endpoints["/b"].error_statuses[1]', message: "not an HTTP status (100-599): 42" },
    ]);
  });

  it("reports malformed param specs", () => {
    const problems = problemsAfter(
      (w) =>
        (w.endpoints = {
          "/a": {
            params: { a: { min: 5, max: 2 }, b: { min: 1 }, c: { min: 1.5, max: 3 }, d: [], e: "x", f: [{}] },
          },
        }),
    );
    const at = (name: string) => problems.filter((p) => p.path.startsWith(`endpoints["/a"].params.${name}`));
    expect(at("a")).toEqual([
      { path: 'endpoints["/a"].params.a', message: "min (5) is greater than max (2)" },
    ]);
    expect(at("b")).toEqual([{ path: 'endpoints["/a"].params.b.max', message: "required field is missing" }]);
    expect(at("c")).toEqual([
      { path: 'endpoints["/a"].params.c.min', message: "expected an integer, got 1.5" },
    ]);
    expect(at("d")).toEqual([{ path: 'endpoints["/a"].params.d', message: "must not be empty" }]);
    expect(at("e")[0]!.message).toBe('expected a list of choices or a {min, max} range, got "x"');
    expect(at("f")).toHaveLength(1);
    expect(problems).toHaveLength(6);
  });

  it("reserves $end: not an endpoint name, not an exit point", () => {
    const problems = problemsAfter((w) => {
      w.exit_points.push("$end");
      w.transitions.$end = { "/a": 1 };
    });
    expect(problems.map((p) => p.path)).toEqual(['transitions["$end"]', "exit_points[1]"]);
  });

  it("reports an exit point listed twice", () => {
    const p = only(problemsAfter((w) => w.exit_points.push("/c")));
    expect(p).toEqual({ path: "exit_points[1]", message: '"/c" is listed twice' });
  });

  it("reports every problem at once", () => {
    const problems = problemsAfter((w) => {
      w.colour = "red";
      w.entry_points = { "/a": 0.5, "/nope": 0.2 };
      w.transitions["/a"] = { "/b": "lots", $end: 0.2 };
      w.transitions["/b"] = { "/c": 0.5, "/x": 0.1 };
      w.transitions["/c"] = { "/a": 0.5 };
      w.avg_response_times = { "/a": -1 };
      w.endpoints = { "/b": { method: "get", error_rate: 2 } };
    });
    const paths = problems.map((p) => p.path);
    for (const path of [
      "colour",
      "entry_points",
      'entry_points["/nope"]',
      'transitions["/a"]["/b"]',
      'transitions["/b"]',
      'transitions["/b"]["/x"]',
      'transitions["/c"]',
      'avg_response_times["/a"]',
      'endpoints["/b"].method',
      'endpoints["/b"].error_rate',
    ]) {
      expect(paths, JSON.stringify(problems, null, 1)).toContain(path);
    }
  });
});
