import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DateTime } from '../../../src/core/time.js';
import type { LogicalType } from '../../../src/destinations/sql/column-types.js';
import { fitKeyValue, fitValue, MISFIT, toJsonText } from '../../../src/destinations/sql/column-values.js';

describe('fitValue', () => {
  const fits: [LogicalType, unknown, unknown][] = [
    ['text', 'a', 'a'],
    ['text', null, null],
    ['bigint', undefined, null],
    ['bigint', 42, 42n],
    ['bigint', -9007199254740991, -9007199254740991n],
    ['bigint', 2n ** 63n - 1n, 2n ** 63n - 1n],
    ['double', 1.5, 1.5],
    ['double', 3n, 3],
    ['boolean', false, false],
    ['timestamptz', '2024-01-02T03:04:05.123456Z', 1704164645123456n],
    ['timestamptz', new Date('2024-01-02T03:04:05.123Z'), 1704164645123000n],
    ['json', { a: [1, 'x'] }, '{"a":[1,"x"]}'],
    ['json', 'plain', '"plain"'],
    ['json', 7, '7'],
  ];
  it.each(fits)('%s accepts %s', (type, value, expected) => {
    expect(fitValue(type, value)).toEqual(expected);
  });

  const misfits: [LogicalType, unknown][] = [
    ['text', 42],
    ['text', { a: 1 }],
    ['bigint', '42'],
    ['bigint', 1.5],
    ['bigint', 2n ** 63n],
    ['bigint', 1e300],
    ['double', 'NaN'],
    ['double', Number.NaN],
    ['double', Number.POSITIVE_INFINITY],
    ['boolean', 'true'],
    ['boolean', 1],
    ['timestamptz', 'yesterday'],
    ['timestamptz', '2024-01-02'],
    ['timestamptz', 1704164645],
    ['timestamptz', new Date(Number.NaN)],
  ];
  it.each(misfits)('%s rejects %s', (type, value) => {
    expect(fitValue(type, value)).toBe(MISFIT);
  });
});

describe('a DateTime of a row', () => {
  const created = DateTime.fromUnixSeconds(1704164645.123);

  it('goes into a timestamptz column as its instant, exactly as its RFC 3339 text would', () => {
    expect(fitValue('timestamptz', created)).toBe(1704164645123000n);
    expect(fitValue('timestamptz', created)).toBe(fitValue('timestamptz', created.toJSON()));
  });

  it('is its RFC 3339 text in every other column, and in a `__raw` column when it does not fit', () => {
    expect(fitValue('text', created)).toBe('2024-01-02T03:04:05.123Z');
    expect(fitKeyValue('text', created)).toBe('2024-01-02T03:04:05.123Z');
    expect(fitValue('json', created)).toBe('"2024-01-02T03:04:05.123Z"');
    expect(fitValue('bigint', created)).toBe(MISFIT);
    expect(toJsonText(created)).toBe('"2024-01-02T03:04:05.123Z"');
  });

  it('fits every second of years 1..9999 as its text does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }), (seconds) => {
        const value = DateTime.fromUnixSeconds(seconds);
        expect(fitValue('timestamptz', value)).toBe(fitValue('timestamptz', value.toJSON()));
      }),
    );
  });
});

describe('fitKeyValue', () => {
  it('accepts lossless conversions for keys only', () => {
    expect(fitKeyValue('text', 12)).toBe('12');
    expect(fitKeyValue('bigint', '-12')).toBe(-12n);
    expect(fitKeyValue('bigint', '12a')).toBe(MISFIT);
    expect(fitValue('text', 12)).toBe(MISFIT);
  });
});

describe('toJsonText', () => {
  it('keeps values JSON cannot express as strings instead of losing them', () => {
    expect(toJsonText(Number.NaN)).toBe('"NaN"');
    expect(toJsonText({ big: 2n ** 70n })).toBe('{"big":"1180591620717411303424"}');
    expect(toJsonText(undefined)).toBe('"undefined"');
    expect(toJsonText({ deep: [1, { x: Number.POSITIVE_INFINITY }] })).toBe('{"deep":[1,{"x":"Infinity"}]}');
  });

  it('writes any value parsed from JSON exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(toJsonText(value)).toBe(JSON.stringify(value));
      }),
    );
  });
});
