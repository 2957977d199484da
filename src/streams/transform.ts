import { CioError } from '../core/errors.js';
import { setOwnField } from '../core/own-fields.js';
import type { JsonSchema, Row, StreamDefinition } from './types.js';

// Beyond year 9999 toISOString() leaves RFC 3339 (`+010000-…`); such a value is not unix seconds.
const MAX_UNIX_SECONDS = 253_402_300_799;
const MIN_UNIX_SECONDS = -62_135_596_800;

/** Unix seconds -> RFC 3339 UTC, whole seconds without a fraction: `2026-01-01T00:00:00Z`. */
export function unixToIso(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds > MAX_UNIX_SECONDS || seconds < MIN_UNIX_SECONDS) {
    throw new CioError('CIO_ERR_BAD_RESPONSE', `not a unix timestamp in seconds: ${seconds}`);
  }
  if (Number.isInteger(seconds)) return wholeSecondsToIso(seconds);
  return new Date(Math.round(seconds * 1000)).toISOString().replace('.000Z', 'Z');
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
/** `YYYY-MM-DDT` by days since the epoch: the records of a page share a few days. */
const dayPrefixes = new Map<number, string>();
const MAX_DAY_PREFIXES = 4096;

/**
 * Every record of every page has a timestamp or two, and formatting through a Date and a string
 * replace was a tenth of the sync's own work; the date part is cached and the time built by hand.
 */
function wholeSecondsToIso(seconds: number): string {
  const day = Math.floor(seconds / 86_400);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    if (dayPrefixes.size >= MAX_DAY_PREFIXES) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const inDay = seconds - day * 86_400;
  const hour = Math.floor(inDay / 3600);
  const minute = Math.floor((inDay % 3600) / 60);
  return `${prefix}${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[inDay % 60]}Z`;
}

/** RFC 3339 (or any string Date.parse accepts) or a Date -> whole unix seconds (floored). */
export function isoToUnix(value: string | Date): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new CioError('CIO_ERR_INTERNAL', `not a date-time: ${String(value)}`);
  }
  return Math.floor(ms / 1000);
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * A unix-seconds value as RFC 3339; anything else unchanged (null, an ISO string already, or a
 * value that cannot be seconds), so the row still carries what the API sent.
 */
export function timestampToIso(value: unknown): unknown {
  let seconds: number;
  if (typeof value === 'number') {
    seconds = value;
  } else if (typeof value === 'string' && NUMERIC.test(value.trim())) {
    seconds = Number(value.trim());
  } else {
    return value;
  }
  if (!Number.isFinite(seconds) || seconds > MAX_UNIX_SECONDS || seconds < MIN_UNIX_SECONDS) return value;
  return unixToIso(seconds);
}

export function isRecordObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
 * unix seconds into RFC 3339, and fields the schema does not know are kept (the sinks evolve the
 * schema; dropping them would lose data silently).
 */
export function recordToRow(record: unknown, schema: JsonSchema): Row {
  if (!isRecordObject(record)) {
    const got = record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record;
    throw new CioError('CIO_ERR_BAD_RESPONSE', `expected a JSON object as record, got ${got}`);
  }
  const row: Row = { ...record };
  for (const name of dateTimeFields(schema)) {
    if (Object.hasOwn(row, name)) setOwnField(row, name, timestampToIso(row[name]));
  }
  return row;
}

/** One API record of a table as a row: the table's own mapping, or recordToRow. */
export function rowFromRecord(def: StreamDefinition, record: unknown): Row {
  return def.toRow === undefined ? recordToRow(record, def.schema) : def.toRow(record);
}
