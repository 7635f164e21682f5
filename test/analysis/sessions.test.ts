import { describe, expect, it } from "vitest";
import { type PathEvent, SessionCounter } from "../../src/analysis/index.js";

type Call = [session: string, callIndex: number, endpoint: string, retry?: boolean];

function ev([session, call_index, endpoint, retry]: Call, user = `u-${session}`, type = "t"): PathEvent {
  return {
    workflow: "w",
    user_id: user,
    user_type: type,
    session_id: session,
    call_index,
    endpoint,
    is_retry: !!retry,
  };
}

function countCalls(calls: Call[], maxLength = 50, buffered?: Set<string>) {
  const counter = new SessionCounter({ workflow: "w", exitPoints: ["/exit"], maxLength, buffered });
  calls.forEach((c, i) => {
    counter.add(ev(c), `in:${i + 1}`);
  });
  return { counter, obs: counter.finish() };
}

function flat(rows: Map<string, Map<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [s, row] of rows) for (const [t, n] of row) out[`${s} → ${t}`] = n;
  return out;
}

describe("SessionCounter", () => {
  it("counts entries, transitions, and nothing after an exit point", () => {
    const { obs } = countCalls([
      ["a", 0, "/home"],
      ["a", 1, "/p"],
      ["a", 2, "/exit"],
    ]);
    expect(flat(obs.rows)).toEqual({ "(start) → /home": 1, "/home → /p": 1, "/p → /exit": 1 });
    expect(obs.tally).toMatchObject({ events: 3, sessions: 1, truncated: 0, retries: 0 });
  });

  it("observes $end when a session stops at a non-exit endpoint before max_length", () => {
    const { obs } = countCalls([
      ["a", 0, "/home"],
      ["a", 1, "/about"],
    ]);
    expect(flat(obs.rows)).toEqual({ "(start) → /home": 1, "/home → /about": 1, "/about → $end": 1 });
  });

  it("gives no observation for the last call of a session cut at max_length", () => {
    const { obs } = countCalls(
      [
        ["cut", 0, "/home"],
        ["cut", 1, "/p"],
        ["cut", 2, "/p"],
        ["exits", 0, "/home"],
        ["exits", 1, "/p"],
        ["exits", 2, "/exit"],
        ["short", 0, "/p"],
        ["short", 1, "/p"],
      ],
      3,
    );
    expect(flat(obs.rows)).toEqual({
      "(start) → /home": 2,
      "(start) → /p": 1,
      "/home → /p": 2,
      "/p → /p": 2,
      "/p → /exit": 1,
      "/p → $end": 1,
    });
    expect(obs.tally).toMatchObject({ sessions: 3, truncated: 1, overLength: 0 });
  });

  it("flags sessions longer than max_length", () => {
    const { obs } = countCalls(
      [
        ["a", 0, "/home"],
        ["a", 1, "/p"],
        ["a", 2, "/p"],
      ],
      2,
    );
    expect(obs.tally).toMatchObject({ overLength: 1, truncated: 0 });
    expect(obs.rows.get("/p")?.get("$end")).toBeUndefined();
  });

  it("leaves retries out, whatever their endpoint and call_index", () => {
    const { obs } = countCalls([
      ["a", 0, "/home"],
      ["a", 1, "/home", true],
      ["a", 2, "/p"],
      ["a", 3, "/elsewhere", true],
      ["a", 4, "/exit"],
    ]);
    expect(flat(obs.rows)).toEqual({ "(start) → /home": 1, "/home → /p": 1, "/p → /exit": 1 });
    expect(obs.tally).toMatchObject({ events: 5, retries: 2, sessions: 1 });
  });

  it("reports sessions out of call_index order, and counts them right when buffered", () => {
    const calls: Call[] = [
      ["a", 2, "/exit"],
      ["b", 0, "/home"],
      ["a", 0, "/home"],
      ["a", 1, "/p"],
      ["b", 1, "/about"],
    ];
    const first = countCalls(calls);
    expect([...first.counter.outOfOrder]).toEqual([["a", "in:3"]]);
    const second = countCalls(calls, 50, new Set(["a"]));
    expect(second.counter.outOfOrder.size).toBe(0);
    expect(flat(second.obs.rows)).toEqual({
      "(start) → /home": 2,
      "/home → /p": 1,
      "/p → /exit": 1,
      "/home → /about": 1,
      "/about → $end": 1,
    });
    expect(second.obs.tally.sessions).toBe(2);
  });

  it("drops a repeated call (at-least-once delivery) but rejects a conflicting one", () => {
    const { obs } = countCalls([
      ["a", 0, "/home"],
      ["a", 0, "/home"],
      ["a", 1, "/exit"],
    ]);
    expect(flat(obs.rows)).toEqual({ "(start) → /home": 1, "/home → /exit": 1 });
    expect(obs.tally.duplicates).toBe(1);
    expect(() =>
      countCalls([
        ["a", 0, "/home"],
        ["a", 0, "/p"],
      ]),
    ).toThrow(/in:2: session "a" has call_index 0 twice/);
    expect(() =>
      countCalls(
        [
          ["a", 1, "/home"],
          ["a", 0, "/p"],
          ["a", 1, "/x"],
        ],
        50,
        new Set(["a"]),
      ),
    ).toThrow(/call_index 1 twice/);
  });

  it("counts each user once with the first type seen, and leaves other workflows out", () => {
    const counter = new SessionCounter({ workflow: "w", exitPoints: [], maxLength: 50 });
    counter.add(ev(["s1", 0, "/home"], "u1", "new"), "x");
    counter.add(ev(["s2", 0, "/home"], "u1", "new"), "x");
    counter.add(ev(["s3", 0, "/home"], "u1", "power"), "x");
    counter.add(ev(["s4", 0, "/home"], "u2", "power"), "x");
    counter.add({ ...ev(["s5", 0, "/home"], "u3", "new"), workflow: "other" }, "x");
    const obs = counter.finish();
    expect(Object.fromEntries(obs.userTypes)).toEqual({ new: 1, power: 1 });
    expect(obs.tally).toMatchObject({ users: 2, userTypeConflicts: 1, otherWorkflow: 1, sessions: 4 });
    expect(obs.otherWorkflows).toEqual(["other"]);
  });
});
