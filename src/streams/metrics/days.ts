/**
 * The day arithmetic of the metrics tables (docs/streams.md, "Metrics tables"), as pure functions
 * of epoch milliseconds. Version 1 days start at midnight America/New_York (DST included: the
 * vendor says "EST", see README, open question L.1); version 2 days are UTC days.
 */

export const DAY_MS = 86_400_000;

/** The vendor's version-2 limit: `end` at most 10 years after `start`; 3650 days stays inside it. */
export const V2_MAX_DAYS = 3650;

export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

const NEW_YORK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  timeZoneName: 'shortOffset',
});

/** The New York calendar date of an instant, and the UTC offset (minutes) in force then. */
function newYorkParts(ms: number): { y: number; m: number; d: number; offset: number } {
  const parts = NEW_YORK.formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const zone = /GMT([+-])(\d{1,2})(?::(\d{2}))?/.exec(part('timeZoneName'));
  const offset = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3] ?? 0)) : 0;
  return { y: Number(part('year')), m: Number(part('month')), d: Number(part('day')), offset };
}

/** Midnight America/New_York of the day that contains `ms`. */
export function easternDayStart(ms: number): number {
  const { y, m, d } = newYorkParts(ms);
  const utcMidnight = Date.UTC(y, m - 1, d);
  // Five hours after UTC midnight is 00:00 EST or 01:00 EDT: before any 02:00 switch, so the
  // offset in force then is the one at that day's midnight.
  const { offset } = newYorkParts(utcMidnight + 5 * 3_600_000);
  return utcMidnight - offset * 60_000;
}

/** The start of the Eastern day before the one starting at `dayStart` (23, 24 or 25 hours). */
export function previousEasternDay(dayStart: number): number {
  return easternDayStart(dayStart - 1);
}

/**
 * The day each element of a version-1 series covers, oldest first: the last element is the day
 * that contains `nowMs` (still filling), each earlier one the Eastern day before. Any length is
 * aligned from the end, so N+1 elements get one more day at the start.
 */
export function easternSeriesDays(nowMs: number, length: number): number[] {
  const days = new Array<number>(length);
  let day = easternDayStart(nowMs);
  for (let i = length - 1; i >= 0; i--) {
    days[i] = day;
    day = previousEasternDay(day);
  }
  return days;
}

/** The start of the Eastern day `count - 1` days before the day of `nowMs`: a trailing window of `count` days. */
export function easternWindowStart(nowMs: number, count: number): number {
  return easternSeriesDays(nowMs, Math.max(1, count))[0] as number;
}

/** A version-2 request window: `start` and `end` as unix seconds, and the days (UTC ms) it covers. */
export interface V2Window {
  start: number;
  end: number;
  days: number;
  firstDay: number;
}

/**
 * The fewest version-2 windows from the UTC day of `fromMs` to the day of `nowMs`, inclusive (none
 * when `fromMs` is after today). `end` is the last second of a window's last day, so the window
 * holds that day whether the API treats `end` as inclusive or not (open question L.2).
 */
export function v2Windows(fromMs: number, nowMs: number, maxDays = V2_MAX_DAYS): V2Window[] {
  const today = utcDayStart(nowMs);
  const windows: V2Window[] = [];
  for (let first = utcDayStart(fromMs); first <= today; first += maxDays * DAY_MS) {
    const days = Math.min(maxDays, (today - first) / DAY_MS + 1);
    windows.push({
      start: first / 1000,
      end: (first + days * DAY_MS) / 1000 - 1,
      days,
      firstDay: first,
    });
  }
  return windows;
}

/** The day (UTC ms) element `index` of a version-2 series covers. */
export function v2Day(window: V2Window, index: number): number {
  return window.firstDay + index * DAY_MS;
}

/** An HTTP `Date` header as epoch milliseconds, or undefined when it is missing or no date. */
export function httpDateMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
