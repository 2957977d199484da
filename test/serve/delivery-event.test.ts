import { describe, expect, it } from 'vitest';
import { parseDeliveryEvent } from '../../src/serve/delivery-event.js';
import { parseListenAddress } from '../../src/serve/listen-address.js';
import { parseDuration } from '../../src/serve/sync-schedule.js';

const AT = new Date('2026-01-01T00:00:00Z');
const parse = (value: unknown) =>
  parseDeliveryEvent(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), AT);
const vendorExample = {
  metric: 'sent',
  event_id: '01E4C4CT6YDC7Y5M7FE1GWWPQJ',
  object_type: 'email',
  timestamp: 1613063089,
  data: {
    action_id: 42,
    broadcast_id: 9,
    customer_id: '0200000001',
    delivery_id: 'RPILAgUBcRhIBqSfeiIwdIYJKxTY',
    identifiers: { id: '42', email: 'test@example.com', cio_id: 'd9c106000001' },
    recipient: 'test@example.com',
  },
};

describe('parseDeliveryEvent', () => {
  it('turns the vendor example into a row: data fields, identifiers spread, the body as payload', () => {
    const parsed = parse(vendorExample);
    expect(parsed).toEqual({
      ok: true,
      row: {
        eventId: vendorExample.event_id,
        fields: {
          ...vendorExample.data,
          event_id: vendorExample.event_id,
          object_type: 'email',
          metric: 'sent',
          timestamp: new Date(1613063089 * 1000),
          cio_id: 'd9c106000001',
          id: '42',
          email: 'test@example.com',
          received_at: AT,
          payload: vendorExample,
        },
      },
    });
  });

  it("takes the spec's object_type_type typo as object_type", () => {
    const { object_type: _, ...rest } = vendorExample;
    const parsed = parse({
      ...rest,
      metric: 'cio_subscription_preferences_changed',
      object_type_type: 'customer',
    });
    expect(parsed.ok && parsed.row.fields.object_type).toBe('customer');
  });

  it('keeps a data field named like an envelope column in the payload only, and __proto__ as a field', () => {
    const parsed = parse(
      `{"event_id":"e1","object_type":"email","metric":"x","timestamp":1,"data":{"payload":1,"received_at":"no","__proto__":{"a":1}}}`,
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.row.fields.received_at).toBe(AT);
    expect(Object.hasOwn(parsed.row.fields, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(parsed.row.fields)).toBe(Object.prototype);
  });

  it('replaces lone surrogates so every engine can store the text', () => {
    const parsed = parse(
      '{"event_id":"e2","object_type":"sms","metric":"sent","timestamp":1,"data":{"content":"a\\ud800b"}}',
    );
    expect(parsed.ok && parsed.row.fields.content).toBe('a\uFFFDb');
  });

  it.each([
    ['not UTF-8', Buffer.from([0xff, 0xfe]), 'not_utf8'],
    ['not JSON', 'nope', 'not_json'],
    ['an array', '[]', 'not_an_event'],
    ['no event_id', { ...vendorExample, event_id: undefined }, 'not_an_event'],
    ['a numeric event_id', { ...vendorExample, event_id: 5 }, 'not_an_event'],
    ['no metric', { ...vendorExample, metric: undefined }, 'not_an_event'],
    ['no object_type', { ...vendorExample, object_type: undefined }, 'not_an_event'],
    ['a fractional timestamp', { ...vendorExample, timestamp: 1.5 }, 'not_an_event'],
    ['a text timestamp', { ...vendorExample, timestamp: '1613063089' }, 'not_an_event'],
    ['data as an array', { ...vendorExample, data: [] }, 'not_an_event'],
  ])('sets aside a body that is %s', (_why, body, kind) => {
    const parsed = Buffer.isBuffer(body) ? parseDeliveryEvent(body, AT) : parse(body);
    expect(parsed).toMatchObject({ ok: false, kind });
  });
});

describe('serve arguments', () => {
  it('reads durations and listen addresses', () => {
    expect([parseDuration('15m'), parseDuration('1h'), parseDuration('1h30m'), parseDuration('0')]).toEqual([
      900_000, 3_600_000, 5_400_000, 0,
    ]);
    expect([parseDuration('15'), parseDuration('soon'), parseDuration('1h 5m')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(parseListenAddress('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListenAddress('8080')).toThrow(/HOST:PORT/);
  });
});
