import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/index.js";
import { AutoShardError, resolveAutoShard } from "../../src/config/shard.js";
import { rejection, yamlFile } from "./helpers.js";

describe("resolveAutoShard", () => {
  it("leaves k/N and anything else that is not auto/N to the schema", () => {
    expect(resolveAutoShard("1/4", { HOSTNAME: "tracewalk-3" })).toBeNull();
    expect(resolveAutoShard("automatic", { HOSTNAME: "tracewalk-3" })).toBeNull();
  });

  it("takes a StatefulSet pod's ordinal from its host name", () => {
    expect(resolveAutoShard("auto/4", { HOSTNAME: "tracewalk-3" })).toEqual({
      shard: "3/4",
      source: "HOSTNAME=tracewalk-3",
    });
    expect(resolveAutoShard("auto/12", { HOSTNAME: "tw-eu-west-10" })?.shard).toBe("10/12");
  });

  it("prefers JOB_COMPLETION_INDEX, then POD_INDEX, to the host name", () => {
    // An indexed Job's pod is named <job>-<index>-<random>: its host name's tail is not the index.
    const job = { JOB_COMPLETION_INDEX: "2", POD_INDEX: "1", HOSTNAME: "tracewalk-run-2-8x7k5" };
    expect(resolveAutoShard("auto/3", job)).toEqual({ shard: "2/3", source: "JOB_COMPLETION_INDEX=2" });
    expect(resolveAutoShard("auto/3", { POD_INDEX: "1", HOSTNAME: "tracewalk-0" })?.shard).toBe("1/3");
    expect(resolveAutoShard("auto/3", { POD_INDEX: "", HOSTNAME: "tracewalk-0" })?.shard).toBe("0/3");
  });

  it("rejects a missing index, naming the variables that give one", () => {
    const msg = (env: NodeJS.ProcessEnv) => () => resolveAutoShard("auto/3", env);
    expect(msg({})).toThrow(AutoShardError);
    expect(msg({})).toThrow(/JOB_COMPLETION_INDEX.*POD_INDEX.*HOSTNAME ending in -<ordinal>/);
    expect(msg({ HOSTNAME: "laptop" })).toThrow('(HOSTNAME is "laptop")');
    expect(msg({ POD_INDEX: "one" })).toThrow('POD_INDEX="one" is not a replica index');
  });

  it("rejects an index at or past N, and N below 1", () => {
    expect(() => resolveAutoShard("auto/3", { HOSTNAME: "tracewalk-3" })).toThrow(
      "replica index 3 (from HOSTNAME=tracewalk-3) is not below N = 3: N must be the number of replicas",
    );
    expect(() => resolveAutoShard("auto/0", { HOSTNAME: "tracewalk-0" })).toThrow(
      'expected "auto/N" with N >= 1 replicas, got "auto/0"',
    );
    expect(() => resolveAutoShard("auto/x", { HOSTNAME: "tracewalk-0" })).toThrow(/N >= 1/);
  });
});

describe("shard: auto/N in a loaded config", () => {
  it("resolves from the flag, the TRACEWALK_SHARD variable or the file", async () => {
    const flag = await loadConfig({ env: { HOSTNAME: "tracewalk-1" }, flags: { shard: "auto/2" } });
    expect(flag.shard).toEqual({ index: 1, count: 2 });
    const env = await loadConfig({ env: { TRACEWALK_SHARD: "auto/5", POD_INDEX: "4" } });
    expect(env.shard).toEqual({ index: 4, count: 5 });
    const file = yamlFile("shard: auto/3\n");
    expect((await loadConfig({ file, env: { JOB_COMPLETION_INDEX: "0" } })).shard).toEqual({
      index: 0,
      count: 3,
    });
  });

  it("reports one problem at shard, saying where auto/N came from", async () => {
    const fromEnv = await rejection(
      loadConfig({ env: { TRACEWALK_SHARD: "auto/2", HOSTNAME: "tracewalk-2" } }),
    );
    expect(fromEnv.exitCode).toBe(2);
    expect(fromEnv.problems).toEqual([
      {
        path: "shard",
        message:
          "replica index 2 (from HOSTNAME=tracewalk-2) is not below N = 2: N must be the number of replicas (from TRACEWALK_SHARD)",
      },
    ]);
    const file = yamlFile("seed: 1\nshard: auto/2\n");
    const fromFile = await rejection(loadConfig({ file, env: {} }));
    expect(fromFile.problems).toHaveLength(1);
    expect(fromFile.problems[0]!.path).toBe("shard");
    expect(fromFile.problems[0]!.message).toMatch(
      new RegExp(`needs this replica's index.*\\(${file}:2:8\\)$`),
    );
  });

  it("is refused where no environment is read (parseConfig)", () => {
    let problems: unknown;
    try {
      parseConfig({ shard: "auto/2" });
    } catch (err) {
      problems = (err as { problems: unknown }).problems;
    }
    expect(problems).toContainEqual({
      path: "shard",
      message: '"auto/N" is resolved only when a config is loaded',
    });
  });
});
