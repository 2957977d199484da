import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  easternDayStart,
  easternSeriesDays,
  easternWindowStart,
  httpDateMs,
  v2Day,
  v2Windows,
} from '../../src/streams/metrics/days.js';

const at = (text: string) => Date.parse(text);
const iso = (ms: number) => new Date(ms).toISOString();

describe('version-1 days (midnight America/New_York)', () => {
  it('starts a winter day at 05:00 UTC and a summer day at 04:00 UTC', () => {
    expect(iso(easternDayStart(at('2026-01-15T12:00:00Z')))).toBe('2026-01-15T05:00:00.000Z');
    expect(iso(easternDayStart(at('2026-07-15T12:00:00Z')))).toBe('2026-07-15T04:00:00.000Z');
    // 02:00 UTC on the 16th is still the 15th in New York.
    expect(iso(easternDayStart(at('2026-01-16T02:00:00Z')))).toBe('2026-01-15T05:00:00.000Z');
  });

  it('counts back across the spring and autumn switches (23- and 25-hour days)', () => {
    // 2026-03-08: clocks go forward at 02:00 EST.
    const spring = easternSeriesDays(at('2026-03-09T15:00:00Z'), 3);
    expect(spring.map(iso)).toEqual([
      '2026-03-07T05:00:00.000Z',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ]);
    expect((spring[2] as number) - (spring[1] as number)).toBe(23 * 3_600_000);
    // 2026-11-01: clocks go back at 02:00 EDT.
    const autumn = easternSeriesDays(at('2026-11-02T15:00:00Z'), 3);
    expect(autumn.map(iso)).toEqual([
      '2026-10-31T04:00:00.000Z',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ]);
    expect((autumn[2] as number) - (autumn[1] as number)).toBe(25 * 3_600_000);
  });

  it('aligns any length from the end: the last element is today, N+1 adds a day at the start', () => {
    const now = at('2026-01-15T12:00:00Z');
    const n = easternSeriesDays(now, 45);
    const n1 = easternSeriesDays(now, 46);
    expect(n).toHaveLength(45);
    expect(n1.slice(1)).toEqual(n);
    expect(iso(n[44] as number)).toBe('2026-01-15T05:00:00.000Z');
    expect(iso(n1[0] as number)).toBe('2025-12-01T05:00:00.000Z');
    expect(easternSeriesDays(now, 0)).toEqual([]);
    expect(easternWindowStart(now, 45)).toBe(n[0]);
  });
});

describe('version-2 windows (UTC days)', () => {
  it('covers the created day to today inclusive, element i = start + i days', () => {
    const [w, ...rest] = v2Windows(at('2025-12-30T18:00:00Z'), at('2026-01-01T09:00:00Z'));
    expect(rest).toEqual([]);
    expect(w).toEqual({
      start: at('2025-12-30T00:00:00Z') / 1000,
      end: at('2026-01-02T00:00:00Z') / 1000 - 1,
      days: 3,
      firstDay: at('2025-12-30T00:00:00Z'),
    });
    expect(iso(v2Day(w!, 2))).toBe('2026-01-01T00:00:00.000Z');
  });

  it('splits a long history into the fewest windows the 10-year limit allows', () => {
    const from = at('2006-01-01T00:00:00Z');
    const now = at('2026-01-01T00:00:00Z');
    const windows = v2Windows(from, now);
    const total = (now - from) / DAY_MS + 1;
    expect(windows.map((w) => w.days)).toEqual([3650, 3650, total - 7300]);
    for (const w of windows) expect(w.end - w.start).toBeLessThan(10 * 365 * 86_400);
    expect(windows[1]?.firstDay).toBe(from + 3650 * DAY_MS);
  });

  it('asks for nothing when the first day is after today', () => {
    expect(v2Windows(at('2026-01-02T00:00:00Z'), at('2026-01-01T23:00:00Z'))).toEqual([]);
  });
});

it('reads the API clock from an HTTP Date header', () => {
  expect(httpDateMs('Thu, 01 Jan 2026 00:00:00 GMT')).toBe(at('2026-01-01T00:00:00Z'));
  expect(httpDateMs('yesterday')).toBeUndefined();
  expect(httpDateMs(undefined)).toBeUndefined();
});
