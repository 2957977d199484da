import { setOwnField } from '../core/own-fields.js';
import { DateTime } from '../core/time.js';
import type { JsonSchema, Row } from '../streams/types.js';

/** A schema for a field the stream's schema does not declare, inferred from one value. */
function inferFieldSchema(value: unknown): JsonSchema {
  if (typeof value === 'boolean') return { type: ['boolean', 'null'] };
  if (typeof value === 'number') return { type: [Number.isInteger(value) ? 'integer' : 'number', 'null'] };
  if (typeof value === 'string' || value instanceof DateTime) return { type: ['string', 'null'] };
  if (Array.isArray(value)) return { type: ['array', 'null'] };
  if (value !== null && typeof value === 'object') return { type: ['object', 'null'] };
  return {};
}

/**
 * Adds to `schema` every field the rows carry that it lacks (a null-only field is added once a
 * non-null value shows its type). Returns the names added; the caller re-prepares the sink.
 */
export function extendSchema(schema: JsonSchema, rows: readonly Row[]): string[] {
  const properties = schema.properties ?? {};
  schema.properties = properties;
  const added: string[] = [];
  for (const row of rows) {
    // for-in rather than Object.entries: this runs for every row of every page (hot path).
    for (const key in row) {
      if (Object.hasOwn(properties, key)) continue;
      const value = row[key];
      if (value === null || value === undefined) continue;
      setOwnField(properties, key, inferFieldSchema(value));
      added.push(key);
    }
  }
  return added;
}
