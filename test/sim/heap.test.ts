import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MinHeap, type Scheduled } from "../../src/sim/heap.js";

/** Entries in (due, order) order, as the heap must give them. */
function sorted<T extends Scheduled>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) => a.due - b.due || a.order - b.order);
}

describe("MinHeap", () => {
  it("gives its entries in (due, order) order through any pushes, pops and moves of the top", () => {
    // Few distinct due times, so that ties on `due` are common and `order` decides.
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), due: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant("pop" as const) }),
      fc.record({ kind: fc.constant("later" as const), by: fc.integer({ min: 0, max: 10 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const heap = new MinHeap<Scheduled>();
        let live: Scheduled[] = [];
        let order = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            const e = { due: o.due, order: order++ };
            heap.push(e);
            live.push(e);
          } else if (o.kind === "pop") {
            const want = sorted(live)[0];
            expect(heap.pop()).toBe(want);
            live = live.filter((e) => e !== want);
          } else {
            // The engine's step: the top's next call is later; it moves down past it.
            const top = heap.peek();
            if (top === undefined) continue;
            expect(top).toBe(sorted(live)[0]);
            top.due += o.by;
            heap.updateTop();
          }
          expect(heap.size).toBe(live.length);
        }
        const rest: Scheduled[] = [];
        for (let e = heap.pop(); e !== undefined; e = heap.pop()) rest.push(e);
        expect(rest).toEqual(sorted(live));
      }),
      { numRuns: 200 },
    );
  });
});
