import { CioError } from '../core/errors.js';
import { isRecord } from '../core/json.js';
import { setOwnField } from '../core/own-fields.js';
import { DateTime, isUnixSeconds } from '../core/time.js';
import type { JsonSchema, Row, StreamDefinition } from './types.js';

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * A unix-seconds value as a DateTime; anything else unchanged (null, an ISO string already, or a
 * value that cannot be seconds), so the row still carries what the API sent.
 */
export function timestampToDateTime(value: unknown): unknown {
  let seconds: number;
  if (typeof value === 'number') {
    seconds = value;
  } else if (typeof value === 'string' && NUMERIC.test(value.trim())) {
    seconds = Number(value.trim());
  } else {
    return value;
  }
  return isUnixSeconds(seconds) ? DateTime.fromUnixSeconds(seconds) : value;
}

/** Names of the top-level properties the schema declares as date-time. */
function dateTimeFields(schema: JsonSchema): string[] {
  const cached = DATE_TIME_FIELDS.get(schema);
  if (cached !== undefined) return cached;
  const names = Object.entries(schema.properties ?? {})
    .filter(([, property]) => property.format === 'date-time')
    .map(([name]) => name);
  DATE_TIME_FIELDS.set(schema, names);
  return names;
}
const DATE_TIME_FIELDS = new WeakMap<JsonSchema, string[]>();

/**
 * One API record -> one row: top-level fields become columns as they are, date-time columns turn
 * unix seconds into DateTime values (RFC 3339 as JSON), and fields the schema does not know are kept
 * (the sinks evolve the schema; dropping them would lose data silently).
 */
export function recordToRow(record: unknown, schema: JsonSchema): Row {
  if (!isRecord(record)) {
    const got = record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record;
    throw new CioError('CIO_ERR_BAD_RESPONSE', `expected a JSON object as record, got ${got}`);
  }
  const row: Row = { ...record };
  for (const name of dateTimeFields(schema)) {
    if (Object.hasOwn(row, name)) setOwnField(row, name, timestampToDateTime(row[name]));
  }
  return row;
}

/** One API record of a table as a row: the table's own mapping, or recordToRow. */
export function rowFromRecord(def: StreamDefinition, record: unknown): Row {
  return def.toRow === undefined ? recordToRow(record, def.schema) : def.toRow(record);
}
