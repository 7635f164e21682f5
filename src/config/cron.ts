/**
 * A 5-field standard cron (minute hour day-of-month month day-of-week), minute granularity, UTC.
 * Each field takes `*`, numbers, ranges `a-b`, steps `*\/n` or `a-b/n`, and lists of those.
 */
export interface Cron {
  /** Sorted ascending. */
  minutes: readonly number[];
  /** Sorted ascending. */
  hours: readonly number[];
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Whether day-of-month / day-of-week was `*` (cron ORs the two when both are restricted). */
  anyDay: boolean;
  anyWeekday: boolean;
}

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

const PART_RE = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

function parseField(text: string, f: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = PART_RE.exec(part);
    if (!m) throw new Error(`${f.name} "${part}": expected *, n, a-b, */n or a-b/n`);
    const star = m[1] === "*";
    const lo = star ? f.min : Number(m[2]);
    const hi = star ? f.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? f.max : lo;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < f.min || hi > f.max || lo > hi) {
      throw new Error(`${f.name} "${part}": expected values in ${f.min}-${f.max}`);
    }
    if (step < 1) throw new Error(`${f.name} "${part}": expected a step >= 1`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses a 5-field cron expression; throws an Error saying which field is wrong. */
export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new Error(`expected 5 fields (minute hour day month weekday), got ${parts.length}`);
  const [mi, ho, dm, mo, dw] = parts.map((p, i) => parseField(p, FIELDS[i]!)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (dw.has(7)) dw.add(0); // 7 is Sunday too
  return {
    minutes: [...mi].sort((a, b) => a - b),
    hours: [...ho].sort((a, b) => a - b),
    days: dm,
    months: mo,
    weekdays: dw,
    anyDay: parts[2]!.startsWith("*"),
    anyWeekday: parts[4]!.startsWith("*"),
  };
}

const MINUTE = 60_000;
const DAY = 86_400_000;

function dayMatches(c: Cron, d: Date): boolean {
  if (!c.months.has(d.getUTCMonth() + 1)) return false;
  const dom = c.days.has(d.getUTCDate());
  const dow = c.weekdays.has(d.getUTCDay());
  if (c.anyDay && c.anyWeekday) return true;
  if (c.anyDay) return dow;
  if (c.anyWeekday) return dom;
  return dom || dow;
}

/** The first instant >= `fromMs` (epoch ms, UTC) that the cron fires at; undefined if none within ~5 years. */
export function nextCronAt(c: Cron, fromMs: number): number | undefined {
  const first = Math.ceil(fromMs / MINUTE) * MINUTE;
  let day = Math.floor(first / DAY) * DAY;
  // Day by day, then minute by minute inside a matching day: at most ~1800 days of tests.
  for (let n = 0; n < 366 * 5; n++, day += DAY) {
    if (!dayMatches(c, new Date(day))) continue;
    for (const h of c.hours) {
      // Skips whole hours before `first`, so one call costs at most ~24 + 60 steps inside a day.
      if (day + h * 3_600_000 + 59 * MINUTE < first) continue;
      for (const m of c.minutes) {
        const t = day + h * 3_600_000 + m * MINUTE;
        if (t >= first) return t;
      }
    }
  }
  return undefined;
}

/** How many times the cron fires in [fromMs, toMs); whole days count at once (hours × minutes each). */
export function countCronFirings(c: Cron, fromMs: number, toMs: number): number {
  const perDay = c.hours.length * c.minutes.length;
  let count = 0;
  let t = nextCronAt(c, fromMs);
  // Minute by minute up to the first day boundary, then day by day, then minute by minute again.
  const firstDay = Math.floor(fromMs / DAY) * DAY + DAY;
  const lastDay = Math.floor(toMs / DAY) * DAY;
  if (firstDay >= lastDay) {
    for (; t !== undefined && t < toMs; t = nextCronAt(c, t + MINUTE)) count++;
    return count;
  }
  for (; t !== undefined && t < firstDay; t = nextCronAt(c, t + MINUTE)) count++;
  for (let day = firstDay; day < lastDay; day += DAY) if (dayMatches(c, new Date(day))) count += perDay;
  for (t = nextCronAt(c, lastDay); t !== undefined && t < toMs; t = nextCronAt(c, t + MINUTE)) count++;
  return count;
}
