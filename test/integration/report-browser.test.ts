import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";

const exec = promisify(execFile);
let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir("tw-report-");
});
afterAll(() => tmp.remove());

/** Debian's chromium, headless, with nothing that reaches the network; prints the DOM after scripts ran. */
async function dumpDom(file: string): Promise<string> {
  const profile = join(tmp.dir, "profile");
  const { stdout } = await exec(
    "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profile}`,
      "--virtual-time-budget=5000",
      "--dump-dom",
      pathToFileURL(file).href,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

describe("--report FILE.html", () => {
  it("renders in headless Chromium: every chart drawn, the run's endpoints, cascades shaded, no script error", async () => {
    const config = join(tmp.dir, "drill.yaml");
    writeFileSync(
      config,
      [
        "clock: { duration: 20m }",
        "cascades:",
        "  - { name: payments, every: 10m, offset: 3m, duration: 2m, scope: { endpoints: ['/api/payment*'] } }",
        "thresholds:",
        '  http_req_duration: ["p(95)<600"]',
      ].join("\n"),
    );
    const report = join(tmp.dir, "report.html");
    const r = await runCli([
      "generate",
      "--config",
      config,
      "--out",
      join(tmp.dir, "drill.jsonl"),
      "--summary",
      join(tmp.dir, "drill.json"),
      "--report",
      report,
    ]);
    expect([0, 99], r.stderr).toContain(r.code);
    const html = readFileSync(report, "utf8");
    // Self-contained: nothing to fetch (no src or href pointing anywhere, no fetch call).
    expect(html).not.toMatch(/\b(src|href)=|fetch\(|@import|url\(/);
    const dom = await dumpDom(report);
    expect(dom).toContain('data-rendered="ok"');
    expect(dom).toMatch(/<pre id="errors" hidden=""><\/pre>/);
    const summary = JSON.parse(readFileSync(join(tmp.dir, "drill.json"), "utf8"));
    // Four charts, each with at least one drawn line; the per-endpoint chart one line per endpoint.
    expect(dom.match(/<svg /g)?.length).toBe(4);
    expect(dom.match(/class="series"/g)!.length).toBe(1 + 3 + 1 + summary.endpoints.length);
    for (const e of summary.endpoints) expect(dom).toContain(e.endpoint);
    // Two windows in 20 minutes, shaded in each of the four charts; the threshold drawn on latency.
    expect(summary.cascades.length).toBe(2);
    expect(dom.match(/<title>cascade payments<\/title>/g)!.length).toBe(4 * 2);
    expect(dom).toContain('class="threshold"');
  });
});
