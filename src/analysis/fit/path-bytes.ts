/** One `/`-separated segment of an endpoint template: fixed bytes, or the parameter it fills. */
type Segment = { literal: Uint8Array; param?: undefined } | { param: string; literal?: undefined };

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * The `{name}` parameters of an endpoint template read from a concrete path's bytes, as
 * PathParams.of reads them from its text: the path must have as many segments as the template,
 * each literal equal and each parameter non-empty, else it gives nothing.
 */
export class PathTemplate {
  private readonly from: number[];
  private readonly to: number[];

  constructor(private readonly segments: Segment[]) {
    this.from = segments.map(() => 0);
    this.to = segments.map(() => 0);
  }

  /**
   * Appends the parameters of the ASCII path `b[start, end)` (names and values from `n`) when it
   * lines up; returns how many there are then (`n` when it does not line up).
   */
  match(
    b: Buffer,
    start: number,
    end: number,
    names: string[],
    values: (string | number)[],
    n: number,
  ): number {
    const count = this.segments.length;
    let p = start;
    for (let i = 0; i < count; i++) {
      let q = p;
      while (q < end && b[q] !== 47) q++;
      if (i === count - 1 ? q !== end : q === end) return n;
      const seg = this.segments[i]!;
      if (seg.param !== undefined) {
        if (q === p) return n;
      } else if (!sameBytes(seg.literal, b, p, q)) return n;
      this.from[i] = p;
      this.to[i] = q;
      p = q + 1;
    }
    let added = n;
    for (let i = 0; i < count; i++) {
      const param = this.segments[i]!.param;
      if (param === undefined) continue;
      names[added] = param;
      values[added++] = latin1(b, this.from[i]!, this.to[i]!);
    }
    return added;
  }
}

/** The matcher of an endpoint with `{name}` segments; null for one without (it has no parameters). */
export function pathTemplate(endpoint: string): PathTemplate | null {
  const segments: Segment[] = endpoint.split("/").map((s) => {
    const m = PARAM.exec(s);
    return m ? { param: m[1]! } : { literal: Buffer.from(s, "latin1") };
  });
  return segments.some((s) => s.param !== undefined) ? new PathTemplate(segments) : null;
}

function sameBytes(lit: Uint8Array, b: Buffer, from: number, to: number): boolean {
  if (lit.length !== to - from) return false;
  for (let i = 0; i < lit.length; i++) if (lit[i] !== b[from + i]) return false;
  return true;
}

/**
 * `b.toString("latin1", from, to)`: a short range (an id) char by char, which V8 joins into a flat
 * string in a few ns, where Buffer's toString costs ~40 ns of checks and a call into C++.
 */
function latin1(b: Buffer, from: number, to: number): string {
  if (to - from > 12) return b.toString("latin1", from, to);
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}
