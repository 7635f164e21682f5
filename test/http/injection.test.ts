import { describe, expect, it } from "vitest";
import type { CascadeWindow } from "../../src/cascade/plan.js";
import type { CascadeLabel } from "../../src/event/index.js";
import { Injection } from "../../src/http/inject/injection.js";
import type { CallPlan, InjectEntry, Injector } from "../../src/http/inject/types.js";
import { type ChosenCall, NO_RETRY } from "../../src/sim/outcome.js";

function windowOf(n: number): CascadeWindow {
  return {
    cascade_id: `drill-${n}`,
    name: "drill",
    index: n,
    start: n * 1000,
    end: n * 1000 + 500,
    ramp: 0,
    scope: { share: 1 },
    effects: {},
    triggered: false,
    key: 1,
    origin: null,
    hop: 0,
    service: null,
  } as unknown as CascadeWindow;
}

function injection(writesLabels: boolean): Injection {
  return new Injection(new Map([["drill", { none: true, list: [] }]]), {
    now: () => 0,
    wake: () => {},
    failed: () => {},
    writesLabels,
  });
}

describe("Injection state per window", () => {
  it("a shard that writes no records keeps no state for windows that closed", () => {
    const inj = injection(false);
    for (let n = 0; n < 1000; n++) {
      inj.onOpen(windowOf(n));
      inj.onClose(windowOf(n));
    }
    expect(inj.windowsKept).toBe(0);
  });

  it("shard 0 keeps a closed window until its closed record is written", () => {
    const inj = injection(true);
    const w = windowOf(0);
    inj.onOpen(w);
    inj.onClose(w);
    expect(inj.windowsKept).toBe(1);
    const out: CascadeLabel[] = [];
    const rec = { cascade_id: w.cascade_id, name: w.name, state: "closed" } as unknown as CascadeLabel;
    inj.route(rec, out);
    expect(out).toHaveLength(1);
    expect(out[0]!.inject).toBe("none");
    expect(inj.windowsKept).toBe(0);
  });
});

describe("Injection: the millisecond grain of an asynchronous injector", () => {
  /** A proxy-like injector whose open and close resolve when the test says, at the instant it says. */
  function proxy() {
    const done: { open?: (at: number) => void; close?: (at: number) => void } = {};
    const injector: Injector = {
      kind: "toxiproxy",
      reachesAll: true,
      synchronous: false,
      open: () =>
        new Promise<InjectEntry>((r) => {
          done.open = (at) => r({ by: "toxiproxy", at: new Date(at).toISOString(), ok: true });
        }),
      close: () =>
        new Promise<{ at: number }>((r) => {
          done.close = (at) => r({ at });
        }),
    };
    return { injector, done };
  }

  it("reaches calls from the millisecond after the confirmation to the end of the undo's, as the records say", async () => {
    const { injector, done } = proxy();
    let clock = 1000;
    const inj = new Injection(new Map([["drill", { none: false, list: [injector] }]]), {
      now: () => clock,
      wake: () => {},
      failed: () => {},
      writesLabels: true,
    });
    const call = {
      isRetry: false,
      retryOf: null,
      endpoint: { template: "/a" },
      due: 0,
      session: { workflowName: "w", userType: "new", arrival: { user: 1 } },
    } as unknown as ChosenCall;
    const idAt = (now: number) => {
      const plan: CallPlan = { cascadeId: null, headers: {}, timeoutMs: Number.NaN, retryAfterMs: NO_RETRY };
      inj.plan(call, plan, now);
      return plan.cascadeId;
    };
    const w = { ...windowOf(1), start: 1000, end: 1500 };
    inj.onOpen(w);
    expect(idAt(1040)).toBeNull(); // sent before the confirmation, in its millisecond
    clock = 1040;
    done.open!(1040);
    await new Promise((r) => setImmediate(r));
    expect(idAt(1040)).toBeNull(); // the confirmation's millisecond: it may have gone before it
    expect(idAt(1041)).toBe(w.cascade_id);
    inj.onClose(w);
    await new Promise((r) => setImmediate(r));
    expect(idAt(1600)).toBe(w.cascade_id); // the undo is not confirmed yet
    clock = 1700;
    done.close!(1700);
    await new Promise((r) => setImmediate(r));
    expect(idAt(1700)).toBe(w.cascade_id); // the undo's millisecond: the record's end covers it
    expect(idAt(1701)).toBeNull();
    const out: CascadeLabel[] = [];
    inj.route({ cascade_id: w.cascade_id, name: "drill", state: "open" } as unknown as CascadeLabel, out);
    inj.route({ cascade_id: w.cascade_id, name: "drill", state: "closed" } as unknown as CascadeLabel, out);
    expect(out.map((r) => [r.state, r.start, r.end])).toEqual([
      ["open", new Date(1041).toISOString(), undefined],
      ["closed", new Date(1041).toISOString(), new Date(1701).toISOString()],
    ]);
    expect(idAt(5000)).toBeNull();
  });
});
