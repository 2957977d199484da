import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMicros, parseDateTimeMicros } from '../../src/core/time.js';

describe('parseDateTimeMicros', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0n],
    ['1970-01-01T00:00:00.000001Z', 1n],
    ['1969-12-31T23:59:59.999999Z', -1n],
    ['2024-02-29T12:00:00+02:00', 1709200800000000n],
    ['2024-02-29 12:00:00-00:30', 1709209800000000n],
    ['2024-02-29t12:00:00.1234567z', 1709208000123456n],
    ['0001-01-01T00:00:00Z', -62135596800000000n],
    ['9999-12-31T23:59:59.999999Z', 253402300799999999n],
    ['0099-06-15T00:00:00Z', -59028739200000000n],
  ])('%s -> %s', (text, micros) => {
    expect(parseDateTimeMicros(text)).toBe(micros);
  });

  it.each([
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00',
    '2024-01-01',
    '0000-12-31T23:00:00Z',
    '0001-01-01T00:00:00+01:00',
    '9999-12-31T23:00:00-01:00',
    ' 2024-01-01T00:00:00Z',
    '2024-01-01T0a:00:00Z',
    '2024-01-01T00:60:00Z',
    '2024-1a-01T00:00:00Z',
  ])('rejects %s', (text) => {
    expect(parseDateTimeMicros(text)).toBeUndefined();
  });

  it('reads whole UTC seconds (the form the connector writes) as the general form reads them', () => {
    expect(parseDateTimeMicros('2016-12-31T23:59:60Z')).toBe(parseDateTimeMicros('2017-01-01T00:00:00.000Z'));
    const inRange = fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(inRange, (date) => {
        const whole = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
        const seconds = Math.floor(date.getTime() / 1000);
        expect(parseDateTimeMicros(whole)).toBe(BigInt(seconds) * 1_000_000n);
        expect(parseDateTimeMicros(whole)).toBe(parseDateTimeMicros(whole.replace('Z', '.000000Z')));
      }),
    );
  });

  it('agrees with Date on every instant JavaScript can format, and round-trips through formatMicros', () => {
    const inRange = fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(inRange, fc.integer({ min: 0, max: 999 }), (date, extraMicros) => {
        const iso = date.toISOString();
        const micros = BigInt(date.getTime()) * 1000n + BigInt(extraMicros);
        const text = `${iso.slice(0, -1)}${String(extraMicros).padStart(3, '0')}Z`;
        expect(parseDateTimeMicros(iso)).toBe(BigInt(date.getTime()) * 1000n);
        expect(formatMicros(micros)).toBe(text);
        expect(parseDateTimeMicros(formatMicros(micros))).toBe(micros);
      }),
    );
  });
});
