const PAD2: readonly string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(3, "0"));

/**
 * Formats epoch milliseconds as RFC 3339 UTC with milliseconds, exactly like `Date.prototype.toISOString`,
 * reusing the text up to the hour: events come in time order, so nearly every call hits the cache.
 */
export class TimestampFormatter {
  private hour = Number.NaN;
  private prefix = "";

  format(ms: number): string {
    const hour = Math.floor(ms / 3_600_000);
    if (hour !== this.hour) {
      this.hour = hour;
      this.prefix = new Date(hour * 3_600_000).toISOString().slice(0, 14);
    }
    const inHour = ms - hour * 3_600_000;
    const sec = Math.floor(inHour / 1000);
    return `${this.prefix}${PAD2[Math.floor(sec / 60)]}:${PAD2[sec % 60]}.${PAD3[inHour - sec * 1000]}Z`;
  }
}
