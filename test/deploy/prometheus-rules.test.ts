import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { requireTool } from "../helpers/metrics.js";

// The alerting rules of deploy/prometheus, checked and unit-tested by promtool itself.

const DIR = new URL("../../deploy/prometheus", import.meta.url).pathname;
const RULES = "tracewalk.rules.yml";
const TESTS = "tracewalk.rules.test.yml";

function promtool(...args: string[]) {
  const r = spawnSync("promtool", args, { cwd: DIR, encoding: "utf8", timeout: 30_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

beforeAll(() =>
  requireTool("promtool", "install it with `apt-get install -y prometheus` (Debian) — .ci/run does"),
);

describe("deploy/prometheus alerting rules", () => {
  it("pass promtool check rules", () => {
    const r = promtool("check", "rules", RULES);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("pass their promtool unit tests", () => {
    const r = promtool("test", "rules", TESTS);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain("SUCCESS");
  });

  it("each alert has a unit test in which it fires and one in which it stays silent", () => {
    const rules = parse(readFileSync(join(DIR, RULES), "utf8")) as {
      groups: { rules: { alert: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tests = parse(readFileSync(join(DIR, TESTS), "utf8")) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert} fires in a test`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert} stays silent in a test`,
      ).toBe(true);
    }
  });
});
