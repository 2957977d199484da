import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DateTime, formatToSecond } from '../../src/core/time.js';
import {
  incrementalThreshold,
  passesLowerBound,
  promoteBookmark,
  rangeOf,
  toMillis,
} from '../../src/engine/bookmarks.js';

const seconds = fc.integer({ min: 1_300_000_000, max: 1_900_000_000 });
const iso = seconds.map((s) => formatToSecond(s * 1000));

describe('bookmarks', () => {
  it('never moves a bookmark backwards and never past the start of the read', () => {
    fc.assert(
      fc.property(
        fc.option(iso, { nil: undefined }),
        fc.option(iso, { nil: undefined }),
        seconds,
        (old, seen, start) => {
          const readStart = new Date(start * 1000);
          const next = promoteBookmark(old, seen, readStart);
          if (old !== undefined) expect(toMillis(next)!).toBeGreaterThanOrEqual(toMillis(old)!);
          if (next !== undefined && next !== old)
            expect(toMillis(next)!).toBeLessThanOrEqual(readStart.getTime());
          if (seen === undefined) expect(next).toBe(old);
        },
      ),
    );
  });

  it('takes the largest value seen when there is no cap (a one-request list), never moving back', () => {
    expect(promoteBookmark(undefined, '2099-01-01T00:00:00Z', undefined)).toBe('2099-01-01T00:00:00Z');
    expect(promoteBookmark('2024-01-02T00:00:00Z', '2024-01-01T00:00:00Z', undefined)).toBe(
      '2024-01-02T00:00:00Z',
    );
    const cap = new Date('2026-01-01T00:00:00Z');
    expect(promoteBookmark(undefined, '2099-01-01T00:00:00Z', cap)).toBe('2026-01-01T00:00:00Z');
  });

  it('starts incremental reads at the later of bookmark and start date', () => {
    expect(incrementalThreshold(undefined, undefined)).toBeUndefined();
    expect(incrementalThreshold('2024-01-02T00:00:00Z', new Date('2024-01-01T00:00:00Z'))).toBe(
      Date.parse('2024-01-02T00:00:00Z'),
    );
    expect(incrementalThreshold('2024-01-02T00:00:00Z', new Date('2024-03-01T00:00:00Z'))).toBe(
      Date.parse('2024-03-01T00:00:00Z'),
    );
  });

  it('keeps rows at the bound (>=) and rows without a value', () => {
    const bound = Date.parse('2024-01-01T00:00:00Z');
    expect(passesLowerBound('2024-01-01T00:00:00Z', bound)).toBe(true);
    expect(passesLowerBound('2023-12-31T23:59:59Z', bound)).toBe(false);
    expect(passesLowerBound(null, bound)).toBe(true);
    expect(passesLowerBound('2020-01-01T00:00:00Z', undefined)).toBe(true);
  });

  it('tracks the earliest and latest value of a field across pages', () => {
    fc.assert(
      fc.property(fc.array(fc.array(seconds, { maxLength: 5 }), { maxLength: 5 }), (pages) => {
        let range = {};
        for (const page of pages) {
          // Rows without a readable value are skipped.
          const rows = [...page.map((s) => ({ t: formatToSecond(s * 1000) })), { t: null }, { t: 'soon' }];
          range = rangeOf(rows, 't', range);
        }
        const all = pages.flat();
        const fromDateTimes = pages.reduce(
          (current, page) =>
            rangeOf(
              page.map((s) => ({ t: DateTime.fromUnixSeconds(s) })),
              't',
              current,
            ),
          {},
        );
        // Rows carry DateTime values: the range is the one their RFC 3339 text gives.
        expect(fromDateTimes).toEqual(range);
        expect(range).toEqual(
          all.length
            ? { min: formatToSecond(Math.min(...all) * 1000), max: formatToSecond(Math.max(...all) * 1000) }
            : {},
        );
      }),
    );
  });
});
