import type { RecordedCall, RecordedSession } from "./types.js";

/**
 * A session as a reader builds it, before time zero is known: `at` of each call is still epoch ms.
 * The readers hand these to the shaping step, which filters, rebases, multiplies and sorts them.
 */
export type RawSession = RecordedSession;

/** What a reader found: its sessions (calls in time order) and the lines it did not use. */
export interface RawRecording {
  sessions: RawSession[];
  /** Lines that are no replayable call (a HEAD or OPTIONS request, a junk request line). */
  skipped: number;
  /** Calls a reader already dropped by the filters (it may filter early to save memory). */
  filtered: number;
}

/** Keeps a call or not (the `from`/`to` window and the endpoint globs); `at` is epoch ms. */
export type CallFilter = (call: RecordedCall) => boolean;

/**
 * Returns one shared copy of each distinct string: a million calls to twenty endpoints then hold
 * twenty strings, not a million.
 */
export class Interner {
  private readonly seen = new Map<string, string>();

  of(s: string): string {
    const known = this.seen.get(s);
    if (known !== undefined) return known;
    this.seen.set(s, s);
    return s;
  }
}

/** Stable sort of `calls` by `at`, skipped when they are in order already (the usual case). */
export function sortByTime(calls: RecordedCall[]): void {
  for (let i = 1; i < calls.length; i++) {
    if (calls[i]!.at < calls[i - 1]!.at) {
      calls.sort((a, b) => a.at - b.at);
      return;
    }
  }
}
