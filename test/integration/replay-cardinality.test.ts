import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runCli, tempDir, waitFor } from "../helpers/cli.js";
import { startTarget, type Target } from "../helpers/http-target.js";
import { scrapeUntil } from "../helpers/metrics.js";

// Replaying an access log: one series per endpoint template, not per URL.

const tmp = tempDir("tw-replay-cardinality-");
const children: ChildProcess[] = [];
let target: Target | undefined;
afterEach(async () => {
  await target?.close();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => tmp.remove());

const USERS = 300;

describe("replaying an access log to a target", () => {
  it("labels HTTP metrics by endpoint template: 300 user URLs are one series", async () => {
    target = await startTarget();
    const log = join(tmp.dir, "access.log");
    const lines = Array.from(
      { length: USERS },
      (_, i) =>
        `10.0.0.${i % 250} - - [01/Dec/2026:10:00:00 +0000] "GET /api/users/${1000 + i} HTTP/1.1" 200 2 "-" "c"`,
    );
    // A last request a minute later keeps the replay (at speed 1) running while the test scrapes.
    lines.push('10.0.0.1 - - [01/Dec/2026:10:01:00 +0000] "GET /health HTTP/1.1" 200 2 "-" "c"');
    writeFileSync(log, `${lines.join("\n")}\n`);
    const run = runCli([
      "replay",
      "--input",
      log,
      "--speed",
      "1",
      "--target",
      target.url,
      "--allow-host",
      "127.0.0.1",
      "--metrics-addr",
      "127.0.0.1:0",
      "--out",
      join(tmp.dir, "out.jsonl"),
    ]);
    children.push(run.child);
    let stderr = "";
    run.child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    await waitFor("the metrics address", () => /metrics on http:\/\/[^/]+\/metrics/.test(stderr));
    const base = /metrics on (http:\/\/[^/]+)\/metrics/.exec(stderr)![1]!;
    const text = await scrapeUntil(base, `${USERS} responses counted`, (t) =>
      /^tracewalk_http_requests_total\{[^}]*endpoint="\/api\/users\/\{id\}"[^}]*\} 300$/m.test(t),
    );
    const endpoints = new Set(
      [...text.matchAll(/^tracewalk_http_requests_total\{[^}]*endpoint="([^"]*)"/gm)].map((m) => m[1]),
    );
    expect(endpoints).toEqual(new Set(["/api/users/{id}"]));
    expect(target.received.length).toBe(USERS);
    run.child.kill("SIGTERM");
    expect((await run).code).toBe(0);
  });
});
