import { MINUTE_MS, MinuteText } from "../event/index.js";

const PAD2: readonly string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(3, "0"));

/** Largest minute kept as a small integer in an event (V8's 31-bit Smi): the year 6053. */
const MAX_MINUTE = 0x3fffffff;

/** `00.` to `59.` and `000Z` to `999Z`: a timestamp's seconds and milliseconds, from two small tables. */
const SECOND_DOT: readonly string[] = PAD2.map((s) => `${s}.`);
const MILLI_Z: readonly string[] = PAD3.map((s) => `${s}Z`);

/**
 * Formats epoch milliseconds as RFC 3339 UTC with milliseconds, exactly like `Date.prototype.toISOString`.
 * Events come in time order, so the text up to the seconds is made once a minute; a timestamp is then
 * that prefix and two pieces from small tables: two concatenations where there were six (a table of
 * 60,000 tails, one concatenation, was slower: its strings lie scattered, each read a cache miss).
 * After each `format`, `minute` and `inMinute` say which minute and millisecond it was (`minute` -1
 * for an instant before 1970 or not a whole millisecond), for the event to carry.
 */
export class TimestampFormatter {
  /** The minute (epoch ms / 60,000) of the last timestamp formatted; -1 when not known. */
  minute = -1;
  /** Milliseconds into that minute. */
  inMinute = 0;
  private cached = Number.NaN;
  private prefix = "";
  private readonly minutes = new MinuteText();

  format(ms: number): string {
    if (!this.locate(ms)) return new Date(ms).toISOString();
    const minute = this.minute;
    if (minute !== this.cached) {
      this.cached = minute;
      this.prefix = this.minutes.of(minute);
    }
    const sec = Math.floor(this.inMinute / 1000);
    return this.prefix + SECOND_DOT[sec]! + MILLI_Z[this.inMinute - sec * 1000]!;
  }

  /**
   * Sets `minute` and `inMinute` as `format(ms)` does, with no text made (a byte encoder writes the
   * timestamp from them); false, and `minute` -1, when they cannot say it (then only the text does).
   */
  locate(ms: number): boolean {
    const minute = Math.floor(ms / MINUTE_MS);
    if (!Number.isInteger(ms) || minute < 0 || minute > MAX_MINUTE) {
      this.minute = -1;
      return false;
    }
    this.minute = minute;
    this.inMinute = ms - minute * MINUTE_MS;
    return true;
  }
}
