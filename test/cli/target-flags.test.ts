import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { runCli, STACK_LINE } from "../helpers/cli.js";

/** The problems loadConfig reports for these flags, one string each. */
async function problems(flags: Parameters<typeof loadConfig>[0]): Promise<string[]> {
  try {
    await loadConfig({ env: {}, ...flags });
  } catch (err) {
    return ((err as { problems?: { path: string; message: string }[] }).problems ?? []).map(
      (p) => `${p.path}: ${p.message}`,
    );
  }
  return [];
}

describe("the target flags name themselves in their problems", () => {
  it("--target without a scheme: exit 2, naming --target and the scheme it needs, no stack", async () => {
    const args = [
      "--target",
      "127.0.0.1:18080",
      "--allow-host",
      "127.0.0.1",
      "--metrics-addr",
      "127.0.0.1:0",
    ];
    const r = await runCli(["run", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "tracewalk run: config: invalid config\n" +
        "  target.url: expected an http:// or https:// URL: the scheme is missing " +
        "(e.g. http://127.0.0.1:18080) (from --target)\n",
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("a scheme-less host name is refused the same way, and a wrong scheme is echoed", async () => {
    expect(await problems({ flags: { target: "localhost:8080", allowHost: ["localhost"] } })).toEqual([
      "target.url: expected an http:// or https:// URL: the scheme is missing (e.g. http://localhost:8080) (from --target)",
    ]);
    expect(await problems({ flags: { target: "ftp://x", allowHost: ["x"] } })).toEqual([
      'target.url: expected an http:// or https:// URL, got "ftp://x" (from --target)',
    ]);
  });

  it("a url that may hold a secret (userinfo, query) is not echoed", async () => {
    const found = await problems({ flags: { target: "user:hunter2@10.0.0.1:80", allowHost: ["x"] } });
    expect(found).toEqual([
      "target.url: expected an http:// or https:// URL: the scheme is missing (from --target)",
    ]);
  });

  it("a missing --allow-host names the flag and the config key", async () => {
    expect(await problems({ flags: { target: "http://127.0.0.1:1" } })).toEqual([
      "target.allow_hosts: required with a target: the hosts requests may go to " +
        "(--allow-host HOST, or target.allow_hosts in the config)",
    ]);
  });

  it("a host outside --allow-host says --target, and how to allow it", async () => {
    expect(await problems({ flags: { target: "http://127.0.0.1:1", allowHost: ["10.0.0.1"] } })).toEqual([
      'target.url: host "127.0.0.1" is not in target.allow_hosts (10.0.0.1): add it there ' +
        "(or --allow-host 127.0.0.1), or fix the url (from --target)",
    ]);
  });

  it("--target is taken verbatim (not read as YAML) and --dry-run sets target.dry_run", async () => {
    const c = await loadConfig({
      env: {},
      flags: { target: "http://127.0.0.1:1/#x: y", allowHost: ["127.0.0.1"], dryRun: true },
    });
    expect(c.target).toMatchObject({ url: "http://127.0.0.1:1/#x: y", dry_run: true });
  });
});
