/** A ramp stage: the rate moves linearly to `target` (users per virtual second) over `durationMs`. */
export interface Stage {
  durationMs: number;
  target: number;
}

/** A linear piece of the base rate over [from, to), in users per virtual second. */
interface Piece {
  from: number;
  to: number;
  r0: number;
  r1: number;
}

/** A stretch of time over which one bound holds: the thinning sampler's unit of work. */
export interface Segment {
  /** End of the stretch (exclusive); Infinity for the last. */
  end: number;
  /** Upper bound of the rate over the stretch, users per virtual second. */
  bound: number;
}

const HOUR_MS = 3_600_000;

function pieceRate(p: Piece, t: number): number {
  if (p.r0 === p.r1 || p.to === Number.POSITIVE_INFINITY) return p.r0;
  return p.r0 + ((p.r1 - p.r0) * (t - p.from)) / (p.to - p.from);
}

/**
 * The open model's arrival rate over virtual time: `arrivalRate` at the start, ramp stages (k6's
 * ramping-arrival-rate), the last target held, all multiplied by a daily curve by UTC hour when given.
 */
export class RateSchedule {
  private pieces: Piece[] = [];
  private cursor = 0;
  /** From this instant on the rate is 0 forever; Infinity when it never is. */
  private zeroAfter = Number.POSITIVE_INFINITY;

  constructor(
    readonly startMs: number,
    arrivalRate: number,
    stages: readonly Stage[],
    private readonly dailyCurve?: readonly number[],
  ) {
    let at = startMs;
    let rate = arrivalRate;
    for (const s of stages) {
      if (s.durationMs > 0) this.pieces.push({ from: at, to: at + s.durationMs, r0: rate, r1: s.target });
      at += s.durationMs;
      rate = s.target;
    }
    this.pieces.push({ from: at, to: Number.POSITIVE_INFINITY, r0: rate, r1: rate });
    this.update();
  }

  /** True when the rate is 0 at every instant from `t` on. */
  zeroFrom(t: number): boolean {
    return t >= this.zeroAfter;
  }

  /** The rate at `t` (users per virtual second), daily curve included. */
  rateAt(t: number): number {
    return pieceRate(this.piece(t), t) * this.curveAt(t);
  }

  /** Fills `out` with the stretch from `t` to the next stage or hour boundary and a bound of the rate over it. */
  segment(t: number, out: Segment): Segment {
    const p = this.piece(t);
    const end = this.dailyCurve ? Math.min(p.to, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS) : p.to;
    // The base rate is linear over the stretch, so its largest value is at one end.
    const atEnd = end === Number.POSITIVE_INFINITY ? p.r1 : pieceRate(p, end);
    out.end = end;
    out.bound = Math.max(pieceRate(p, t), atEnd) * this.curveAt(t);
    return out;
  }

  /** From `atMs` on the base rate is `rate`; stages after that instant no longer apply. */
  set(rate: number, atMs: number): void {
    const at = Math.max(atMs, this.startMs);
    const kept: Piece[] = [];
    for (const p of this.pieces) {
      if (p.from >= at) break;
      kept.push(p.to <= at ? p : { from: p.from, to: at, r0: p.r0, r1: pieceRate(p, at) });
    }
    kept.push({ from: at, to: Number.POSITIVE_INFINITY, r0: rate, r1: rate });
    this.pieces = kept;
    this.cursor = 0;
    this.update();
  }

  private curveAt(t: number): number {
    const c = this.dailyCurve;
    if (!c) return 1;
    return c[((Math.floor(t / HOUR_MS) % 24) + 24) % 24]!;
  }

  private piece(t: number): Piece {
    const ps = this.pieces;
    let i = this.cursor;
    if (t < ps[i]!.from) i = 0;
    while (i < ps.length - 1 && t >= ps[i]!.to) i++;
    this.cursor = i;
    return ps[i]!;
  }

  private update(): void {
    const ps = this.pieces;
    if (this.dailyCurve?.every((m) => m === 0)) {
      this.zeroAfter = this.startMs;
      return;
    }
    let i = ps.length;
    while (i > 0 && ps[i - 1]!.r0 === 0 && ps[i - 1]!.r1 === 0) i--;
    this.zeroAfter = i === ps.length ? Number.POSITIVE_INFINITY : ps[i]!.from;
  }
}
