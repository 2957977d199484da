import type { JsonSchema } from '../types.js';

/**
 * Building blocks of the table schemas. Every column is nullable unless it is a key: the API drops
 * and nulls fields more often than its definition admits, and a schema that rejects real data
 * fails the sync for nothing. Keys (primary and replication) are required and never null.
 */

function nullable(type: string, description?: string): JsonSchema {
  return description === undefined ? { type: [type, 'null'] } : { type: [type, 'null'], description };
}

export const string = (description?: string): JsonSchema => nullable('string', description);
export const integer = (description?: string): JsonSchema => nullable('integer', description);
export const number = (description?: string): JsonSchema => nullable('number', description);
export const boolean = (description?: string): JsonSchema => nullable('boolean', description);

/** A unix-seconds field of the API; rows carry it as a DateTime, records as an RFC 3339 string. */
export function dateTime(description?: string): JsonSchema {
  return { ...nullable('string', description), format: 'date-time' };
}

/** A JSON object whose keys the API does not fix (metrics, attributes, filters): stored as JSON. */
export function freeObject(description?: string): JsonSchema {
  return { ...nullable('object', description), additionalProperties: true };
}

/** A JSON object with known keys; unknown keys are still allowed (the vendor adds fields at will). */
export function objectOf(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return { ...nullable('object', description), properties, additionalProperties: true };
}

/**
 * A field whose type the sources disagree on (live workspaces send JSON text where the vendor
 * declares an object, say): no `type`, so every value validates and the column is JSON holding the
 * value as sent.
 */
export function untypedJson(description: string): JsonSchema {
  return { description };
}

export function arrayOf(items: JsonSchema, description?: string): JsonSchema {
  return { ...nullable('array', description), items };
}

/**
 * The `{id, type}` references of broadcasts' and campaigns' actions and templates. The vendor types
 * action ids as integers; live campaign actions send them as strings of digits.
 */
export const actionRef: JsonSchema = objectOf({
  id: { type: ['integer', 'string', 'null'] },
  type: string(),
});

/** `{id, email, cio_id}` of a person as embedded in deliveries and activities. */
export const personIdentifiers: JsonSchema = objectOf({
  id: string(),
  email: string(),
  // One vendor example sends cio_id as a number; the schema says string. Nested JSON keeps either.
  cio_id: { type: ['string', 'integer', 'null'] },
});

/** Key columns: present and never null. */
export const key = {
  integer: (description?: string): JsonSchema =>
    description === undefined ? { type: 'integer' } : { type: 'integer', description },
  string: (description?: string): JsonSchema =>
    description === undefined ? { type: 'string' } : { type: 'string', description },
  dateTime: (description?: string): JsonSchema =>
    description === undefined
      ? { type: 'string', format: 'date-time' }
      : { type: 'string', format: 'date-time', description },
};

/** The schema of one table: an open object whose `required` lists its key columns. */
export function tableSchema(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return { type: 'object', additionalProperties: true, properties, required };
}
