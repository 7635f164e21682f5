import { describe, expect, it } from "vitest";
import { flagHint, parseCommandArgs } from "../../src/cli/args.js";
import { startInstant } from "../../src/config/overrides.js";
import { runCli, STACK_LINE } from "../helpers/cli.js";

const OPTIONS = { users: { type: "string" }, json: { type: "boolean" } } as const;

describe("parseCommandArgs", () => {
  it("reads a negative number after a string flag as its value", () => {
    for (const n of ["-5", "-0.1", "-.5", "-1e3", "-Infinity"]) {
      expect(parseCommandArgs(["--users", n], OPTIONS).values.users).toBe(n);
    }
  });

  it("leaves flags, boolean flags and everything after -- alone", () => {
    expect(() => parseCommandArgs(["--users", "--json"], OPTIONS)).toThrow(/argument is ambiguous/);
    expect(() => parseCommandArgs(["--json", "-5"], OPTIONS)).toThrow(/Unknown option '-5'/);
    const { positionals } = parseCommandArgs(["--users", "1", "--", "--users", "-5"], OPTIONS, true);
    expect(positionals).toEqual(["--users", "-5"]);
  });
});

// Every numeric flag of every command, given a negative value the usual way (`--flag -5`), gets the
// flag's own message, not node's "argument is ambiguous": exit 2, the flag named, no stack.
const CASES: [string[], string][] = [
  [["generate", "--users", "-5", "--out", "-"], '--users: expected an integer >= 1, got "-5"'],
  [
    ["generate", "--cascade-rate", "-0.1", "--out", "-"],
    '--cascade-rate: expected a number in [0, 1], got "-0.1"',
  ],
  [
    ["generate", "--days", "-1", "--out", "-"],
    '--days: expected a number of days from 0.0007 (one minute) to 36500, got "-1"',
  ],
  [["generate", "--max-length", "-3", "--out", "-"], '--max-length: expected an integer >= 1, got "-3"'],
  [
    ["generate", "--sessions-per-user", "-3", "--out", "-"],
    '--sessions-per-user: expected a number in [1, 65535], got "-3"',
  ],
  [
    ["verify", "--workflow", "simple", "--input", "-", "--alpha", "-0.5"],
    '--alpha: expected a number in (0, 1], got "-0.5"',
  ],
  [
    ["verify", "--workflow", "simple", "--input", "-", "--max-length", "-1"],
    '--max-length: expected an integer >= 1, got "-1"',
  ],
  [["run", "--speed", "-5"], 'clock.speed: expected a number > 0 or "max" (from --speed)'],
  [["run", "--seed", "-5"], "seed: expected a number >= 0 (from --seed)"],
];

describe("negative values of numeric flags", () => {
  it.each(CASES)("%j: exit 2 naming the flag", async (args, message) => {
    const r = await runCli(args, { input: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain("ambiguous");
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe("");
  });
});

describe("unknown flags", () => {
  it("name the nearest known flag, preferring the one that starts alike", () => {
    const options = {
      speed: { type: "string" },
      seed: { type: "string" },
      workflow: { type: "string" },
    } as const;
    expect(() => parseCommandArgs(["--sped", "2"], options)).toThrow(
      "Unknown option '--sped' (did you mean --speed?)",
    );
    expect(() => parseCommandArgs(["--workflw", "x"], options)).toThrow(/\(did you mean --workflow\?\)$/);
    expect(flagHint("Unknown option '--verbos'", options)).toBe(" (did you mean --verbose?)");
    expect(flagHint("Unknown option '--totally-else'", options)).toBe("");
    expect(flagHint("Unknown option '-x'", options)).toBe("");
  });

  it("through the CLI: exit 2, one line with the hint", async () => {
    const r = await runCli(["generate", "--user", "5", "--out", "-"]);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      "",
      "tracewalk generate: Unknown option '--user' (did you mean --users?)\n",
    ]);
  });
});

describe("--start now", () => {
  it("is the current instant; anything else is passed on as written", () => {
    expect(startInstant("now", Date.UTC(2026, 5, 1, 12))).toBe("2026-06-01T12:00:00.000Z");
    expect(startInstant(" NOW ", 0)).toBe("1970-01-01T00:00:00.000Z");
    expect(startInstant("2026-01-01T00:00:00Z")).toBe("2026-01-01T00:00:00Z");
    expect(startInstant(undefined)).toBeUndefined();
  });

  it("run and generate accept it and start within the moment they ran", async () => {
    const before = Date.now();
    const [run, gen] = await Promise.all([
      runCli([
        "run",
        "--start",
        "now",
        "--speed",
        "max",
        "--duration",
        "1m",
        "--out",
        "-",
        "--metrics-addr",
        "127.0.0.1:0",
        "--log-level",
        "warn",
      ]),
      runCli(["generate", "--start", "now", "--users", "3", "--days", "0.01", "--out", "-"]),
    ]);
    const after = Date.now();
    // The first call comes after the start, within the virtual length (1 minute; 0.01 days).
    for (const [r, lengthMs] of [
      [run, 60_000],
      [gen, 864_000],
    ] as const) {
      expect(r.code, r.stderr).toBe(0);
      const first = Date.parse(JSON.parse(r.stdout.split("\n")[0]!).timestamp);
      expect(first).toBeGreaterThanOrEqual(before);
      expect(first).toBeLessThanOrEqual(after + lengthMs);
    }
  });
});
