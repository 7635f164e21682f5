import { describe, expect, it } from "vitest";
import type { CascadeWindow } from "../../src/cascade/plan.js";
import type { CascadeLabel } from "../../src/event/index.js";
import { Injection } from "../../src/http/inject/injection.js";

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
