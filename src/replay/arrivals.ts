import type { Arrival } from "../sim/engine-session.js";
import type { ShardableSource } from "../sim/load/shard-filter.js";
import type { ReplayTiming } from "./session.js";
import type { Recording } from "./shape.js";
import type { RecordedSession } from "./types.js";

/**
 * The recording as a load model: session i arrives at its first call's offset (scaled) from the
 * origin; with `loop`, pass p repeats them one recording's length (plus a second) later. An arrival's
 * shard key is its recorded session's index, so each recorded session (every pass of it) goes to
 * exactly one shard.
 */
export class ReplayArrivals implements ShardableSource {
  private next = 0;
  private stop = Number.POSITIVE_INFINITY;
  private live = 0;
  private readonly period: number;

  constructor(
    private readonly recording: Recording,
    private readonly t: ReplayTiming,
  ) {
    this.period = (recording.endMs - recording.startMs) / t.scale + 1000;
  }

  /** Virtual instant of the last call of the first pass: windows start no later (without loop). */
  get lastCallMs(): number {
    return this.t.originMs + (this.recording.endMs - this.recording.startMs) / this.t.scale;
  }

  /** Session `user` of the arrival: which recorded session, which pass. */
  sessionOf(user: number): { rec: RecordedSession; pass: number } {
    const n = this.recording.sessions.length;
    return { rec: this.recording.sessions[user % n]!, pass: Math.floor(user / n) };
  }

  originOf(pass: number): number {
    return this.t.originMs + pass * this.period;
  }

  private atOf(index: number): number {
    const { rec, pass } = this.sessionOf(index);
    return Math.round(this.originOf(pass) + rec.calls[0]!.at / this.t.scale);
  }

  peek(): number {
    if (!this.t.loop && this.next >= this.recording.sessions.length) return Number.POSITIVE_INFINITY;
    const at = this.atOf(this.next);
    return at >= this.stop ? Number.POSITIVE_INFINITY : at;
  }

  nextKey(): number {
    return this.next % this.recording.sessions.length;
  }

  skip(): void {
    this.next++;
  }

  take(): Arrival {
    const user = this.next++;
    this.live++;
    return { user, session: 0, at: this.atOf(user), workflow: 0, typeU: 0 };
  }

  onSessionEnd(): void {
    this.live--;
  }

  stopAt(virtualMs: number): void {
    this.stop = Math.min(this.stop, virtualMs);
  }

  get activeUsers(): number {
    return this.live;
  }
}
