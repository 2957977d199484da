import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DateTime, isoToUnix, unixToIso } from '../../src/core/time.js';
import { getDefinition } from '../../src/streams/definitions.js';
import { ipAddressToRow, reportingWebhookToRow, stripUrlCredentials } from '../../src/streams/row-mappers.js';
import { recordToRow, rowFromRecord } from '../../src/streams/transform.js';
import type { JsonSchema } from '../../src/streams/types.js';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    created: { type: ['string', 'null'], format: 'date-time' },
    updated: { type: ['string', 'null'], format: 'date-time' },
    metrics: { type: ['object', 'null'], additionalProperties: true },
  },
};

describe('unixToIso / isoToUnix', () => {
  it('writes whole seconds without a fraction, in UTC', () => {
    expect(unixToIso(1767225600)).toBe('2026-01-01T00:00:00Z');
    expect(unixToIso(0)).toBe('1970-01-01T00:00:00Z');
    expect(unixToIso(1552341937)).toBe('2019-03-11T22:05:37Z');
  });

  it('keeps milliseconds of fractional seconds', () => {
    expect(unixToIso(1767225600.25)).toBe('2026-01-01T00:00:00.250Z');
  });

  it('refuses values that are not seconds of years 1..9999', () => {
    expect(() => unixToIso(Number.NaN)).toThrow(expect.objectContaining({ code: 'CIO_ERR_BAD_RESPONSE' }));
    expect(() => unixToIso(1_619_137_767_000)).toThrow(
      expect.objectContaining({ code: 'CIO_ERR_BAD_RESPONSE' }),
    );
  });

  it('reads RFC 3339 strings and Dates back to whole seconds', () => {
    expect(isoToUnix('2026-01-01T00:00:00Z')).toBe(1767225600);
    expect(isoToUnix('2026-01-01T01:00:00+01:00')).toBe(1767225600);
    expect(isoToUnix(new Date('2026-01-01T00:00:00.999Z'))).toBe(1767225600);
    expect(() => isoToUnix('not a date')).toThrow(expect.objectContaining({ code: 'CIO_ERR_INTERNAL' }));
  });

  it('formats every whole second of years 1..9999 as Date does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }), (seconds) => {
        expect(unixToIso(seconds)).toBe(new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'));
      }),
    );
  });

  it('round-trips every second of years 1970..9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (seconds) => {
        const iso = unixToIso(seconds);
        expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        expect(isoToUnix(iso)).toBe(seconds);
      }),
    );
  });
});

describe('recordToRow', () => {
  it('converts unix seconds of date-time columns, integers and numeric strings alike', () => {
    const row = recordToRow({ id: 1, created: 1767225600, updated: '1767225601' }, schema);
    expect(row.created).toBeInstanceOf(DateTime);
    expect(row.updated).toBeInstanceOf(DateTime);
    expect(JSON.stringify(row)).toBe(
      '{"id":1,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:01Z"}',
    );
  });

  it('carries the instant, which the outputs write as the RFC 3339 text rows held before', () => {
    const row = recordToRow({ created: 1767225600.25, updated: -1.5 }, schema);
    expect(row.created).toMatchObject({ epochMillis: 1767225600250 });
    expect((row.created as DateTime).epochMicros).toBe(1767225600250000n);
    expect(String(row.created)).toBe('2026-01-01T00:00:00.250Z');
    expect(JSON.stringify(row)).toBe(
      '{"created":"2026-01-01T00:00:00.250Z","updated":"1969-12-31T23:59:58.500Z"}',
    );
  });

  it('leaves nulls, ISO strings and values that cannot be seconds as they are', () => {
    const row = recordToRow({ id: 1, created: null, updated: '2026-01-01T00:00:00Z' }, schema);
    expect(row).toEqual({ id: 1, created: null, updated: '2026-01-01T00:00:00Z' });
    expect(recordToRow({ created: 1e15 }, schema).created).toBe(1e15);
  });

  it('does not convert numbers of columns that are not date-time, nor nested timestamps', () => {
    const row = recordToRow({ id: 1767225600, metrics: { sent: 1767225600 } }, schema);
    expect(row).toEqual({ id: 1767225600, metrics: { sent: 1767225600 } });
  });

  it('keeps fields the schema does not know (schema evolution happens downstream)', () => {
    const row = recordToRow({ id: 1, brand_new: { a: [1] }, other: 'x' }, schema);
    expect(row).toEqual({ id: 1, brand_new: { a: [1] }, other: 'x' });
  });

  it('does not add columns the record lacks', () => {
    expect(Object.keys(recordToRow({ id: 1 }, schema))).toEqual(['id']);
  });

  it('does not change the record it was given', () => {
    const record = { id: 1, created: 1767225600 };
    recordToRow(record, schema);
    expect(record.created).toBe(1767225600);
  });

  it('converts the scheduled times real campaign answers carry', () => {
    const row = rowFromRecord(getDefinition('campaigns'), {
      id: 7,
      updated: 1767225600,
      scheduled_start: 1767225600,
      scheduled_stop: '1767229200',
    });
    expect(JSON.parse(JSON.stringify(row))).toMatchObject({
      scheduled_start: '2026-01-01T00:00:00Z',
      scheduled_stop: '2026-01-01T01:00:00Z',
    });
  });

  it.each([null, 'text', 42, [1, 2], true])('refuses a record that is not an object: %j', (record) => {
    expect(() => recordToRow(record, schema)).toThrow(
      expect.objectContaining({ code: 'CIO_ERR_BAD_RESPONSE' }),
    );
  });
});

describe('credentials in reporting webhook endpoints', () => {
  it.each([
    ['https://user:secret@example.com/webhook', 'https://example.com/webhook'],
    ['https://user@example.com:8443/hook?x=1', 'https://example.com:8443/hook?x=1'],
    ['http://u:p%40ss@hooks.example.com', 'http://hooks.example.com'],
    ['https://u:p@ss@example.com/a@b', 'https://example.com/a@b'],
    ['https://example.com/webhook', 'https://example.com/webhook'],
    ['https://example.com/path?email=a@b.c', 'https://example.com/path?email=a@b.c'],
    ['not a url', 'not a url'],
  ])('%s -> %s', (endpoint, expected) => {
    expect(stripUrlCredentials(endpoint)).toBe(expected);
  });

  it('strips them from the rows of reporting_webhooks, and keeps the rest of the record', () => {
    const row = rowFromRecord(getDefinition('reporting_webhooks'), {
      id: 4,
      endpoint: 'https://admin:hunter2@example.com/webhook',
      events: ['email_failed'],
      added_later: true,
    });
    expect(row).toEqual({
      id: 4,
      endpoint: 'https://example.com/webhook',
      events: ['email_failed'],
      added_later: true,
    });
    expect(JSON.stringify(row)).not.toContain('hunter2');
  });

  it('copes with a webhook without endpoint', () => {
    expect(reportingWebhookToRow({ id: 5, endpoint: null })).toEqual({ id: 5, endpoint: null });
  });
});

describe('ip_addresses rows', () => {
  it('wraps each address string as {id}', () => {
    expect(ipAddressToRow('35.188.196.183')).toEqual({ id: '35.188.196.183' });
    expect(rowFromRecord(getDefinition('ip_addresses'), '104.198.177.219')).toEqual({
      id: '104.198.177.219',
    });
  });

  it.each([{ ip: '1.2.3.4' }, 3, '', null])('refuses %j', (record) => {
    expect(() => ipAddressToRow(record)).toThrow(expect.objectContaining({ code: 'CIO_ERR_BAD_RESPONSE' }));
  });
});
