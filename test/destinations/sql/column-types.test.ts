import { describe, expect, it } from 'vitest';
import { DateTime } from '../../../src/core/time.js';
import { inferLogicalType, logicalTypeOfSchema } from '../../../src/destinations/sql/column-types.js';
import type { JsonSchema } from '../../../src/streams/types.js';

describe('logicalTypeOfSchema', () => {
  const cases: [JsonSchema, string][] = [
    [{ type: 'string', format: 'date-time' }, 'timestamptz'],
    [{ type: ['string', 'null'], format: 'date-time' }, 'timestamptz'],
    [{ type: 'string' }, 'text'],
    [{ type: 'string', format: 'email' }, 'text'],
    [{ type: 'integer' }, 'bigint'],
    [{ type: ['null', 'integer'] }, 'bigint'],
    [{ type: 'number' }, 'double'],
    [{ type: 'boolean' }, 'boolean'],
    [{ type: 'object', properties: { a: { type: 'string' } } }, 'json'],
    [{ type: 'array', items: { type: 'string' } }, 'json'],
    [{}, 'json'],
    [{ type: ['string', 'integer'] }, 'json'],
    [{ type: ['integer', 'number', 'null'] }, 'json'],
    [{ type: 'null' }, 'json'],
  ];
  it.each(cases)('%j -> %s', (schema, expected) => {
    expect(logicalTypeOfSchema(schema)).toBe(expected);
  });
});

describe('inferLogicalType', () => {
  const cases: [unknown[], string][] = [
    [[1, 2, null], 'bigint'],
    [[1, 2.5], 'double'],
    [['a', undefined], 'text'],
    [['2024-01-01T00:00:00Z'], 'text'],
    [[DateTime.fromUnixSeconds(1704067200), '2024-01-01'], 'text'],
    [[true, false], 'boolean'],
    [[{ a: 1 }], 'json'],
    [[[1]], 'json'],
    [['a', 1], 'json'],
    [[null], 'json'],
    [[], 'json'],
  ];
  it.each(cases)('%j -> %s', (values, expected) => {
    expect(inferLogicalType(values)).toBe(expected);
  });
});
