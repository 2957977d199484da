import { DateTime, formatToSecond, isUnixSeconds } from '../core/time.js';

/**
 * Pure bookmark arithmetic. Values are RFC 3339 strings in state and DateTime values in rows;
 * comparisons are on instants.
 * Rules: a bookmark never moves backwards, and never past the start of the read that promotes it
 * (a record updated during the read, or while an interrupted read waited to resume, is read again
 * next time rather than missed).
 */

/**
 * How far past the sync's start a time value may lie and still count: the API's clock and ours
 * differ a little. A value beyond it (milliseconds sent where seconds belong, a year 2100 typo) would
 * park the bookmark in the future and skip every later change, so it moves no bookmark.
 */
export const CLOCK_SKEW_MS = 60 * 60 * 1000;

/** The latest instant a bookmark or a time range may take in a sync that started at `syncStart`. */
export function latestSaneTime(syncStart: Date): number {
  return syncStart.getTime() + CLOCK_SKEW_MS;
}

/**
 * An instant in milliseconds: a row's DateTime, an RFC 3339 string, or unix seconds within the years
 * 0001-9999 (a larger number is no timestamp in seconds); undefined for anything else.
 */
export function toMillis(value: unknown): number | undefined {
  if (value instanceof DateTime) return value.epochMillis;
  if (typeof value === 'number') return isUnixSeconds(value) ? value * 1000 : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The lower bound for an incremental read: the later of the saved bookmark and the start date. */
export function incrementalThreshold(
  bookmarkValue: string | undefined,
  startDate: Date | undefined,
): number | undefined {
  const saved = toMillis(bookmarkValue);
  const start = startDate?.getTime();
  if (saved === undefined) return start;
  if (start === undefined) return saved;
  return Math.max(saved, start);
}

/** Whether a row passes a lower bound on one of its time fields (rows without a value pass). */
export function passesLowerBound(value: unknown, bound: number | undefined): boolean {
  if (bound === undefined) return true;
  const ms = toMillis(value);
  return ms === undefined || ms >= bound;
}

/**
 * The bookmark to save after a complete read: max(old, seen), capped at `cap` when there is one (the
 * start of a read that took several requests, which may have missed updates made to pages it had
 * already passed).
 */
export function promoteBookmark(
  old: string | undefined,
  seenMax: string | undefined,
  cap: Date | undefined,
): string | undefined {
  const oldMs = toMillis(old);
  const seenMs = toMillis(seenMax);
  if (seenMs === undefined) return old;
  const capped = cap === undefined ? seenMs : Math.min(seenMs, cap.getTime());
  if (oldMs !== undefined && oldMs >= capped) return old;
  return formatToSecond(capped);
}

/** The earliest and latest value of a time field seen so far, as RFC 3339. */
export interface TimeRange {
  min?: string;
  max?: string;
}

/** A range widened by a page, and how many of the page's values it left out as no sane time. */
export interface PageRange extends TimeRange {
  /** Values present that are no time from 1970 to `latest`: loaded as they are, they move nothing. */
  insane: number;
}

/**
 * Widens `current` by a page of rows, in one pass (a page is up to 1,000 rows). Only instants from
 * 1970 to `latest` count; a missing or null value is not counted at all.
 */
export function rangeOf(
  rows: readonly Record<string, unknown>[],
  field: string,
  current: TimeRange,
  latest: number,
): PageRange {
  const minBefore = toMillis(current.min);
  const maxBefore = toMillis(current.max);
  let min = minBefore;
  let max = maxBefore;
  let insane = 0;
  for (const row of rows) {
    const value = Object.hasOwn(row, field) ? row[field] : undefined;
    if (value === undefined || value === null) continue;
    const ms = toMillis(value);
    if (ms === undefined || ms < 0 || ms > latest) {
      insane += 1;
      continue;
    }
    if (min === undefined || ms < min) min = ms;
    if (max === undefined || ms > max) max = ms;
  }
  const range: PageRange = { insane };
  if (min !== undefined) range.min = min === minBefore ? current.min : formatToSecond(min);
  if (max !== undefined) range.max = max === maxBefore ? current.max : formatToSecond(max);
  return range;
}

/**
 * A saved bookmark the sync can trust: one past `latest` (written by a version without this check,
 * or by hand) would skip every change, so it is dropped and the table is read from the start date.
 */
export function saneBookmark(value: string | undefined, latest: number): string | undefined {
  const ms = toMillis(value);
  return ms !== undefined && ms > latest ? undefined : value;
}
