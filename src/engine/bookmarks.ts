import { DateTime, formatToSecond } from '../core/time.js';

/**
 * Pure bookmark arithmetic. Values are RFC 3339 strings in state and DateTime values in rows;
 * comparisons are on instants.
 * Rules: a bookmark never moves backwards, and never past the start of the read that promotes it
 * (a record updated during the read, or while an interrupted read waited to resume, is read again
 * next time rather than missed).
 */

export function toMillis(value: unknown): number | undefined {
  if (value instanceof DateTime) return value.epochMillis;
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
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

/** Widens `current` by a page of rows, in one pass (a page is up to 1,000 rows). */
export function rangeOf(
  rows: readonly Record<string, unknown>[],
  field: string,
  current: TimeRange,
): TimeRange {
  const minBefore = toMillis(current.min);
  const maxBefore = toMillis(current.max);
  let min = minBefore;
  let max = maxBefore;
  for (const row of rows) {
    const ms = toMillis(row[field]);
    if (ms === undefined) continue;
    if (min === undefined || ms < min) min = ms;
    if (max === undefined || ms > max) max = ms;
  }
  const range: TimeRange = {};
  if (min !== undefined) range.min = min === minBefore ? current.min : formatToSecond(min);
  if (max !== undefined) range.max = max === maxBefore ? current.max : formatToSecond(max);
  return range;
}
