import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";

const tmp = tempDir("tw-missing-");
afterAll(() => tmp.remove());
const nope = (name: string) => join(tmp.dir, name);

describe("a missing file is reported in one wording by every command", () => {
  it("config, workflow and input: `PATH: cannot read WHAT: no such file`, one line, exit 2", async () => {
    const quiet = ["--metrics-addr", "127.0.0.1:0"];
    const cases: [string[], string][] = [
      [["run", "--config", nope("c.yaml"), ...quiet], `tracewalk run: ${nope("c.yaml")}: cannot read config`],
      [
        ["generate", "--workflow", nope("w.yaml"), "--out", nope("x.jsonl")],
        `tracewalk generate: ${nope("w.yaml")}: cannot read workflow file`,
      ],
      [
        ["verify", "--workflow", "simple", "--input", nope("e.jsonl")],
        `tracewalk verify: ${nope("e.jsonl")}: cannot read input`,
      ],
      [
        ["replay", "--input", nope("a.log"), "--out", nope("r.jsonl"), ...quiet],
        `tracewalk replay: ${nope("a.log")}: cannot read input`,
      ],
      [
        ["fit", "--input", nope("f.jsonl"), "--out", nope("f.yaml")],
        `tracewalk fit: ${nope("f.jsonl")}: cannot read input`,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => {
      // Exactly one line: replay printed its reason twice, once as a problem restating the message.
      expect([r.code, r.stderr]).toEqual([2, `${cases[i]![1]}: no such file\n`]);
    });
  });
});
