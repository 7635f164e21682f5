import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// `-` reads standard input, which only a child process can be given: the built module (`npm run build`).
const MODULE = new URL("../../dist/replay/index.js", import.meta.url).href;

function readStdin(input: string, format?: string) {
  const opts = format === undefined ? "{}" : JSON.stringify({ format });
  const script = `import { readRecording } from ${JSON.stringify(MODULE)};
try {
  const r = await readRecording("-", ${opts});
  process.stdout.write(JSON.stringify(r));
} catch (err) {
  process.stdout.write(JSON.stringify({ code: err.code, message: err.message }));
}`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { input, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const EVENT = {
  event_id: "e1",
  timestamp: "2026-01-01T00:00:01.500Z",
  workflow: "shop",
  user_id: "u1",
  user_type: "new",
  session_id: "s1",
  call_index: 0,
  endpoint: "/api/items/{id}",
  path: "/api/items/7",
  method: "GET",
  params: { id: 7 },
  status_code: 200,
  response_time_ms: 12.5,
  is_retry: false,
  cascade_id: null,
};

describe("readRecording: stdin", () => {
  it("reads Event v1 JSONL from - by default", () => {
    const r = readStdin(`${JSON.stringify(EVENT)}\n`);
    expect(r.startMs).toBe(Date.parse(EVENT.timestamp));
    expect(r.sessions).toEqual([
      {
        sessionId: "s1",
        userId: "u1",
        userType: "new",
        workflow: "shop",
        calls: [
          {
            at: 0,
            method: "GET",
            path: "/api/items/7",
            endpoint: "/api/items/{id}",
            params: { id: 7 },
            status: 200,
            latencyMs: 12.5,
            isRetry: false,
            cascadeId: null,
          },
        ],
      },
    ]);
  });

  it("reads a combined log from - with format combined, and names stdin:line in errors", () => {
    const log = '10.1.1.1 - - [01/Mar/2026:10:00:00 +0000] "GET /x?a=1 HTTP/1.1" 200 5 "-" "curl"\n';
    const r = readStdin(log, "combined");
    expect(r.sessions[0].sessionId).toBe("10.1.1.1-1");
    expect(r.sessions[0].calls[0].params).toEqual({ a: "1" });
    const bad = readStdin(`${log}oops\n`, "combined");
    expect(bad.code).toBe("TW_INPUT_INVALID");
    expect(bad.message).toMatch(/^stdin:2: expected the combined or common log format/);
  });
});
