import { describe, expect, it } from "vitest";
import { UserHeap } from "../../../src/sim/load/index.js";
import { hashUniform } from "../../../src/sim/rng.js";

function drain(h: UserHeap): [number, number][] {
  const out: [number, number][] = [];
  while (h.size > 0) {
    out.push([h.peekAt(), h.peekUser()]);
    h.pop();
  }
  return out;
}

const byAtUser = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];

describe("UserHeap", () => {
  it("pops by (time, user), whether filled by push or by append + heapify", () => {
    const items: [number, number][] = Array.from({ length: 5000 }, (_, u) => [
      Math.floor(hashUniform(1, u, 0, 0) * 100),
      u,
    ]);
    const pushed = new UserHeap();
    const appended = new UserHeap();
    for (const [at, u] of items) pushed.push(at, u);
    for (const [at, u] of items) appended.append(at, u);
    appended.heapify();
    const sorted = [...items].sort(byAtUser);
    expect(drain(pushed)).toEqual(sorted);
    expect(drain(appended)).toEqual(sorted);
    expect(pushed.peekAt()).toBe(Number.POSITIVE_INFINITY);
  });

  it("filter keeps the order of what it keeps", () => {
    const h = new UserHeap();
    const items: [number, number][] = Array.from({ length: 1000 }, (_, u) => [hashUniform(2, u, 0, 0), u]);
    for (const [at, u] of items) h.push(at, u);
    h.filter((_, u) => u % 3 !== 0);
    expect(drain(h)).toEqual(items.filter(([, u]) => u % 3 !== 0).sort(byAtUser));
  });
});
