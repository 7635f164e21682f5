import { describe, expect, it } from "vitest";
import { LiveVerifier } from "../../src/analysis/index.js";
import { refuseEmptyTopic, type TopicRead } from "../../src/cli/verify-empty.js";
import { getPreset } from "../../src/workflow/index.js";

// What a live read that saw no session of the workflow begin is told (the broker-backed cases are in
// test/integration/kafka-verify.test.ts); here the tails a read from now catches, fed by hand.

const workflow = getPreset("ecommerce")!;
const read: TopicRead = { topic: "calls", fromBeginning: false, until: "SIGTERM", records: 0, badRecords: 0 };

function call(session: string, index: number, endpoint: string, retry = false) {
  return {
    workflow: "ecommerce",
    user_id: "u1",
    user_type: "browser",
    session_id: session,
    call_index: index,
    endpoint,
    is_retry: retry,
  };
}

function refusal(verifier: LiveVerifier, r: TopicRead): string {
  try {
    refuseEmptyTopic(verifier.report(), r);
  } catch (err) {
    return (err as Error).message;
  }
  return "(not refused)";
}

describe("refuseEmptyTopic", () => {
  it("only tails of sessions begun before the read: refused, saying they were left out", () => {
    const v = new LiveVerifier(workflow, { alpha: 0.001, maxLength: 50, strict: false });
    v.addEvent(call("s1", 3, "/api/cart"), "calls/0@0");
    v.addEvent(call("s1", 3, "/api/cart", true), "calls/0@1");
    v.addEvent(call("s2", 1, "/api/products"), "calls/0@2");
    expect(refusal(v, { ...read, records: 3 })).toBe(
      'no sessions to test: topic "calls" gave no session of workflow "ecommerce" ' +
        "(3 record(s) read from now until SIGTERM; 2 session(s) joined mid-way left out; 1 retry call(s) left out)",
    );
  });

  it("one session seen from its first call: not refused", () => {
    const v = new LiveVerifier(workflow, { alpha: 0.001, maxLength: 50, strict: false });
    v.addEvent(call("s1", 0, "/api/login"), "calls/0@0");
    expect(refusal(v, { ...read, records: 1 })).toBe("(not refused)");
  });
});
