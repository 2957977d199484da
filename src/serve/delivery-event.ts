import { isRecord as isObject } from '../core/json.js';
import { ownField, setOwnField } from '../core/own-fields.js';
import type { StreamSpec } from '../engine/sink.js';
import type { JsonSchema } from '../streams/types.js';

/** The table of docs/streams.md "Delivery events". */
export const DELIVERY_EVENTS_TABLE = 'delivery_events';

const text: JsonSchema = { type: ['string', 'null'] };
const integer: JsonSchema = { type: ['integer', 'null'] };
const boolean: JsonSchema = { type: ['boolean', 'null'] };
const json: JsonSchema = {};
const timestamp: JsonSchema = { type: ['string', 'null'], format: 'date-time' };

/**
 * The fields of `data` the reporting-webhook spec names (customerio-beyond.md H.3, H.4), each its own
 * column. Ids are integers (an id sent as a string of digits is stored as the number); `journey_id`
 * comes as a string or an integer and is text.
 */
const DATA_FIELDS: Record<string, JsonSchema> = {
  delivery_id: text,
  campaign_id: integer,
  broadcast_id: integer,
  newsletter_id: integer,
  action_id: integer,
  parent_action_id: integer,
  content_id: integer,
  trigger_id: integer,
  journey_id: text,
  transactional_message_id: integer,
  trigger_event_id: text,
  customer_id: text,
  email_address: text,
  recipient: text,
  subject: text,
  href: text,
  link_id: integer,
  failure_message: text,
  machine: boolean,
  proxied: boolean,
  prefetched: boolean,
  synthetic: boolean,
  tracked_response: text,
  inbound_event_id: text,
  to: text,
  recipients: json,
  headers: json,
  content: text,
};

/**
 * Columns the event itself fills; a field of `data` with one of these names stays in `payload` only.
 * `identifiers` is a field of `data`, spread into `cio_id`, `id` and `email` as well.
 */
const ENVELOPE: Record<string, JsonSchema> = {
  event_id: { type: 'string' },
  object_type: text,
  metric: text,
  timestamp,
  identifiers: json,
  cio_id: text,
  id: text,
  email: text,
  received_at: timestamp,
  payload: json,
};

export const DELIVERY_EVENTS_SPEC: StreamSpec = {
  name: DELIVERY_EVENTS_TABLE,
  primaryKey: ['event_id'],
  method: 'incremental',
  schema: {
    type: 'object',
    properties: {
      ...pick(ENVELOPE, ['event_id', 'object_type', 'metric', 'timestamp']),
      ...DATA_FIELDS,
      ...pick(ENVELOPE, ['identifiers', 'cio_id', 'id', 'email', 'received_at', 'payload']),
    },
  },
};

function pick(from: Record<string, JsonSchema>, keys: readonly string[]): Record<string, JsonSchema> {
  return Object.fromEntries(keys.map((key) => [key, from[key] as JsonSchema]));
}

/** A valid event, as the row it becomes. */
export interface DeliveryEventRow {
  eventId: string;
  fields: Record<string, unknown>;
}

/** Why a signed body is not an event, as a fixed category (a metrics label) and in words. */
export type NotAnEvent = { ok: false; kind: 'not_utf8' | 'not_json' | 'not_an_event'; reason: string };

export type ParsedEvent = { ok: true; row: DeliveryEventRow } | NotAnEvent;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a body that was signed correctly. Valid: a JSON object with a string `event_id`, a string
 * `metric`, an integer `timestamp`, an object `data` and a string `object_type` (or the spec's typo
 * `object_type_type`). Anything else gets the reason it is not an event.
 */
export function parseDeliveryEvent(body: Buffer, receivedAt: Date): ParsedEvent {
  let textBody: string;
  try {
    textBody = decoder.decode(body);
  } catch {
    return { ok: false, kind: 'not_utf8', reason: 'the body is not UTF-8 text' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(textBody);
  } catch (error) {
    return { ok: false, kind: 'not_json', reason: `the body is not JSON (${(error as Error).message})` };
  }
  if (!isObject(parsed)) return invalid('the body is not a JSON object');
  const event = wellFormed(parsed) as Record<string, unknown>;
  const [eventId, metric, at, data] = ['event_id', 'metric', 'timestamp', 'data'].map((key) =>
    ownField(event, key),
  );
  const objectType = ownField(event, 'object_type') ?? ownField(event, 'object_type_type');
  if (typeof eventId !== 'string' || eventId === '') return invalid('event_id is not a non-empty string');
  if (typeof metric !== 'string' || metric === '') return invalid('metric is not a non-empty string');
  if (typeof objectType !== 'string' || objectType === '')
    return invalid('object_type (or object_type_type) is not a non-empty string');
  if (typeof at !== 'number' || !Number.isSafeInteger(at)) return invalid('timestamp is not an integer');
  const when = new Date(at * 1000);
  if (Number.isNaN(when.getTime())) return invalid('timestamp is out of range');
  if (!isObject(data)) return invalid('data is not an object');
  const fields: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (!Object.hasOwn(ENVELOPE, field) || field === 'identifiers') setOwnField(fields, field, value);
  }
  const found = ownField(data, 'identifiers');
  const identifiers = isObject(found) ? found : {};
  Object.assign(fields, {
    event_id: eventId,
    object_type: objectType,
    metric,
    timestamp: when,
    cio_id: ownField(identifiers, 'cio_id'),
    id: ownField(identifiers, 'id'),
    email: ownField(identifiers, 'email'),
    received_at: receivedAt,
    payload: event,
  });
  return { ok: true, row: { eventId, fields } };
}

function invalid(reason: string): ParsedEvent {
  return { ok: false, kind: 'not_an_event', reason: `not a reporting-webhook event: ${reason}` };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The value with every lone surrogate (from a `\ud800` escape) replaced, so any text column takes it. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\uFFFD');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      setOwnField(out, key.replace(LONE_SURROGATE, '\uFFFD'), wellFormed(inner));
    }
    return out;
  }
  return value;
}
