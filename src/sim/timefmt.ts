import { MINUTE_MS, MinuteText } from "../event/index.js";

const PAD2: readonly string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(3, "0"));

/** Largest minute kept as a small integer in an event (V8's 31-bit Smi): the year 6053. */
const MAX_MINUTE = 0x3fffffff;

/** `SS.mmmZ` of each millisecond of a minute, made when first used (at most 60,000 short strings). */
const TAILS: (string | undefined)[] = new Array<string | undefined>(MINUTE_MS).fill(undefined);

function tailOf(inMinute: number): string {
  let t = TAILS[inMinute];
  if (t === undefined) {
    const sec = Math.floor(inMinute / 1000);
    t = `${PAD2[sec]}.${PAD3[inMinute - sec * 1000]}Z`;
    TAILS[inMinute] = t;
  }
  return t;
}

/**
 * Formats epoch milliseconds as RFC 3339 UTC with milliseconds, exactly like `Date.prototype.toISOString`.
 * Events come in time order, so the text up to the seconds is made once a minute; a timestamp is then
 * that prefix and a tail from a table: one string concatenation (building it from six parts made six
 * strings, which the encoder then had to flatten). After each `format`, `minute` and `inMinute` say
 * which minute and millisecond it was (`minute` -1 for an instant before 1970 or not a whole millisecond),
 * for the event to carry.
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
    const minute = Math.floor(ms / MINUTE_MS);
    if (!Number.isInteger(ms) || minute < 0 || minute > MAX_MINUTE) {
      this.minute = -1;
      return new Date(ms).toISOString();
    }
    if (minute !== this.cached) {
      this.cached = minute;
      this.prefix = this.minutes.of(minute);
    }
    this.minute = minute;
    this.inMinute = ms - minute * MINUTE_MS;
    return this.prefix + tailOf(this.inMinute);
  }
}
