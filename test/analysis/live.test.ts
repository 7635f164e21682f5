import { describe, expect, it } from "vitest";
import {
  expectedChain,
  LiveVerifier,
  type PathEvent,
  SessionCounter,
  withoutEnds,
} from "../../src/analysis/index.js";
import type { Workflow } from "../../src/workflow/types.js";
import { sampleEvents, simpleWorkflow } from "./walker.js";

const OPTS = { alpha: 0.001, maxLength: 50, strict: false };

function ev(session: string, call_index: number, endpoint: string): PathEvent {
  return {
    workflow: "w",
    user_id: `u-${session}`,
    user_type: "t",
    session_id: session,
    call_index,
    endpoint,
    is_retry: false,
  };
}

function flat(rows: Map<string, Map<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [s, row] of rows) for (const [t, n] of row) out[`${s} → ${t}`] = n;
  return out;
}

function feed(v: LiveVerifier, events: PathEvent[]): void {
  events.forEach((e, i) => {
    v.add(JSON.stringify(e), `t/0@${i}`);
  });
}

describe("SessionCounter on a live stream", () => {
  const live = () => new SessionCounter({ workflow: "w", exitPoints: ["/exit"], maxLength: 3, live: true });

  it("leaves out a session first seen after call_index 0, and counts no end for an open one", () => {
    const c = live();
    for (const e of [ev("late", 2, "/p"), ev("a", 0, "/home"), ev("late", 3, "/q"), ev("a", 1, "/p")]) {
      c.add(e, "x");
    }
    c.add(ev("b", 0, "/home"), "x");
    c.add(ev("b", 1, "/exit"), "x");
    const obs = c.finish();
    expect(flat(obs.rows)).toEqual({ "(start) → /home": 2, "/home → /p": 1, "/home → /exit": 1 });
    expect(obs.tally).toMatchObject({ events: 6, sessions: 2, joinedLate: 1, openAtStop: 1, users: 2 });
  });

  it("counts a session over max_length, open or not; a snapshot changes nothing", () => {
    const c = live();
    for (let i = 0; i < 5; i++) c.add(ev("long", i, "/p"), "x");
    expect(c.snapshot().tally).toMatchObject({ overLength: 1, openAtStop: 0 });
    expect(c.snapshot()).toEqual(c.finish());
  });

  it("keeps the file semantics when not live: no joinedLate/openAtStop keys, open sessions end", () => {
    const c = new SessionCounter({ workflow: "w", exitPoints: [], maxLength: 50 });
    c.add(ev("a", 2, "/p"), "x");
    const obs = c.finish();
    expect(flat(obs.rows)).toEqual({ "(start) → /p": 1, "/p → $end": 1 });
    expect(Object.keys(obs.tally)).not.toContain("joinedLate");
    expect(Object.keys(obs.tally)).not.toContain("openAtStop");
  });
});

describe("withoutEnds", () => {
  it("drops $end and scales the rest of each row to 1; a row that can only end is dropped", () => {
    const w: Workflow = {
      ...simpleWorkflow(),
      transitions: { ...simpleWorkflow().transitions, "/bye": { $end: 1 } },
    };
    const chain = withoutEnds(expectedChain(w));
    const home = chain.get("/home")!;
    expect([...home.keys()].sort()).toEqual(["/about", "/products"]);
    expect(home.get("/products")).toBeCloseTo(0.75, 12);
    expect(home.get("/about")).toBeCloseTo(0.25, 12);
    expect(chain.get("/about")!.get("/home")).toBe(1);
    expect(chain.has("/bye")).toBe(false);
  });
});

describe("LiveVerifier", () => {
  const w = simpleWorkflow();
  const events = sampleEvents(w, { sessions: 3000, seed: "live" });

  it("judges a stream joined and cut mid-session as consistent, and says so in the running line", () => {
    const v = new LiveVerifier(w, OPTS);
    // Joined mid-way through a session and cut in the middle of another.
    const from = events.findIndex((e) => e.call_index === 2);
    const to = events.length - events.findIndex((e, i) => i > events.length / 2 && e.call_index === 1);
    feed(v, events.slice(from, events.length - to));
    const report = v.report();
    expect(report.reasons).toEqual([]);
    expect(report.tally.joinedLate).toBe(1);
    expect(report.tally.openAtStop).toBeGreaterThanOrEqual(0);
    expect(report.transitions.some((t) => t.target === "$end")).toBe(false);
    expect(v.runningLine()).toMatch(
      /^records \d+ · sessions \d+ · transitions checked \d+ · chi-square p = [\d.e-]+ \(df \d+\) · consistent so far$/,
    );
  });

  it("finds a stream of other probabilities inconsistent", () => {
    const other: Workflow = {
      ...w,
      transitions: { ...w.transitions, "/home": { "/products": 0.3, "/about": 0.5, $end: 0.2 } },
    };
    const v = new LiveVerifier(w, OPTS);
    feed(v, sampleEvents(other, { sessions: 3000, seed: "other" }));
    expect(v.report().consistent).toBe(false);
    expect(v.runningLine()).toMatch(/· INCONSISTENT: transition frequencies deviate/);
  });

  it("counts and keeps the first bad records; strict throws TW_INPUT_INVALID naming the record", () => {
    const v = new LiveVerifier(w, OPTS);
    v.add("{", "t/1@7");
    v.add('{"workflow":"simple"}', "t/1@8");
    feed(v, events.slice(0, 100));
    expect(v.records).toBe(102);
    expect(v.badRecords).toBe(2);
    expect(v.firstBad.map((b) => b.message)).toEqual([
      expect.stringMatching(/^t\/1@7: malformed JSON/),
      't/1@8: field "user_id" is missing',
    ]);
    expect(v.runningLine()).toContain("records 102 · bad records 2 ·");
    const strict = new LiveVerifier(w, { ...OPTS, strict: true });
    expect(() => strict.add("nope", "t/0@3")).toThrow(expect.objectContaining({ code: "TW_INPUT_INVALID" }));
  });

  it("says no sessions yet before any event of the workflow", () => {
    expect(new LiveVerifier(w, OPTS).runningLine()).toMatch(/· no sessions yet$/);
  });
});

describe("SessionCounter on a live stream: memory", () => {
  const live = (memory: number) =>
    new SessionCounter({ workflow: "w", exitPoints: ["/exit"], maxLength: 3, live: true, memory });

  it("forgets a session at its exit point; a late copy of one of its calls is a duplicate, not a late joiner", () => {
    const c = live(1024);
    c.add(ev("a", 0, "/home"), "x");
    c.add(ev("a", 1, "/exit"), "x");
    c.add(ev("a", 1, "/exit"), "x");
    const obs = c.snapshot();
    expect(flat(obs.rows)).toEqual({ "(start) → /home": 1, "/home → /exit": 1 });
    expect(obs.tally).toMatchObject({ sessions: 1, duplicates: 1, joinedLate: 0, openAtStop: 0 });
  });

  it("forgets idle sessions after two generations, counting them as open (their end unseen)", () => {
    const c = live(2);
    for (const s of ["a", "b", "c", "d", "e"]) c.add(ev(s, 0, "/home"), "x");
    const obs = c.snapshot();
    expect(obs.tally).toMatchObject({ sessions: 5, openAtStop: 5, joinedLate: 0 });
    // A forgotten session that goes on is left out like a late joiner; its first steps stay counted.
    c.add(ev("a", 1, "/p"), "x");
    expect(c.snapshot().tally).toMatchObject({ sessions: 5, joinedLate: 1 });
    expect(flat(c.snapshot().rows)).toEqual({ "(start) → /home": 5 });
  });
});
