import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DateTime, formatToSecond } from '../../src/core/time.js';
import {
  incrementalThreshold,
  latestSaneTime,
  passesLowerBound,
  promoteBookmark,
  rangeOf,
  saneBookmark,
  type TimeRange,
  toMillis,
} from '../../src/engine/bookmarks.js';

/** No upper limit: the property tests below cover the arithmetic, not the sanity bound. */
const NO_LIMIT = Number.POSITIVE_INFINITY;

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
        let range: TimeRange = {};
        let insane = 0;
        for (const page of pages) {
          // Rows without a readable value are skipped; unreadable ones are counted.
          const rows = [...page.map((s) => ({ t: formatToSecond(s * 1000) })), { t: null }, { t: 'soon' }];
          const widened = rangeOf(rows, 't', range, NO_LIMIT);
          insane += widened.insane;
          range = {
            ...(widened.min ? { min: widened.min } : {}),
            ...(widened.max ? { max: widened.max } : {}),
          };
        }
        expect(insane).toBe(pages.length);
        const all = pages.flat();
        const fromDateTimes = pages.reduce<TimeRange>((current, page) => {
          const { min, max } = rangeOf(
            page.map((s) => ({ t: DateTime.fromUnixSeconds(s) })),
            't',
            current,
            NO_LIMIT,
          );
          return { ...(min ? { min } : {}), ...(max ? { max } : {}) };
        }, {});
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

  it('counts, and leaves out, values that are no sane time: they never move a range or a bookmark', () => {
    const start = new Date('2026-06-01T00:00:00Z');
    const latest = latestSaneTime(start);
    const rows = [
      { t: DateTime.fromUnixSeconds(1_780_000_000) },
      { t: 1_780_000_000_000 }, // milliseconds where seconds belong
      { t: 8.7e12 }, // beyond any Date
      { t: '2100-01-01T00:00:00Z' },
      { t: '1969-12-31T23:59:59Z' },
      { t: 'tomorrow' },
      { t: '2026-06-01T00:30:00Z' }, // within the clock skew
      { t: null },
      {},
    ];
    expect(rangeOf(rows, 't', {}, latest)).toEqual({
      min: '2026-05-28T20:26:40Z',
      max: '2026-06-01T00:30:00Z',
      insane: 5,
    });
    expect(toMillis(1_780_000_000_000)).toBeUndefined();
    expect(toMillis(1_780_000_000)).toBe(1_780_000_000_000);
  });

  it("reads a field only as the row's own property", () => {
    const row = JSON.parse('{"t": 1780000000}') as Record<string, unknown>;
    expect(rangeOf([row], 'constructor', {}, NO_LIMIT)).toEqual({ insane: 0 });
    expect(rangeOf([row], 'toString', {}, NO_LIMIT)).toEqual({ insane: 0 });
  });

  it('drops a saved bookmark that lies past the sane limit, keeps any other', () => {
    const latest = latestSaneTime(new Date('2026-06-01T00:00:00Z'));
    expect(saneBookmark('+058897-01-01T00:00:00Z', latest)).toBeUndefined();
    expect(saneBookmark('2026-06-01T02:00:00Z', latest)).toBeUndefined();
    expect(saneBookmark('2026-06-01T00:59:00Z', latest)).toBe('2026-06-01T00:59:00Z');
    expect(saneBookmark(undefined, latest)).toBeUndefined();
  });
});
