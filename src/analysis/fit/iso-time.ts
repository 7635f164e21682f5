/** RFC 3339 timestamps read from their digits: the day parsed once, as Date.parse reads it. */

/** `YYYY-MM-DD`: digits and dashes, so that its bytes are its text. */
export function isDay(b: Buffer, from: number): boolean {
  for (let i = 0; i < 10; i++) {
    const c = b[from + i]!;
    if (i === 4 || i === 7 ? c !== 45 : c < 48 || c > 57) return false;
  }
  return true;
}

export function digits(b: Buffer, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
}

let dayText = "";
let dayMs = Number.NaN;

/** `2026-01-01T16:49:35.744Z` (the form tracewalk writes) as epoch ms; other forms through Date.parse. */
export function isoMs(ts: string): number {
  if (ts.length !== 24 || ts.charCodeAt(10) !== 84 || ts.charCodeAt(23) !== 90 || ts.charCodeAt(19) !== 46) {
    return Date.parse(ts);
  }
  const day = ts.slice(0, 10);
  if (day !== dayText) {
    dayText = day;
    dayMs = Date.parse(`${day}T00:00:00.000Z`);
  }
  const h = textDigits(ts, 11, 2);
  const m = textDigits(ts, 14, 2);
  const s = textDigits(ts, 17, 2);
  const ms = textDigits(ts, 20, 3);
  if (h > 23 || m > 59 || s > 59 || ts.charCodeAt(13) !== 58 || ts.charCodeAt(16) !== 58)
    return Date.parse(ts);
  return dayMs + ((h * 60 + m) * 60 + s) * 1000 + ms;
}

function textDigits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
}
