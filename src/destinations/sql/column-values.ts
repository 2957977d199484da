import { DateTime, dateMicros, parseDateTimeMicros } from '../../core/time.js';
import type { LogicalType } from './column-types.js';

/**
 * A value ready for a column of its type: text and json -> string (json as JSON text),
 * bigint -> bigint, double -> number, boolean -> boolean, timestamptz -> bigint microseconds since the epoch.
 * A DateTime counts as its RFC 3339 text everywhere but in a timestamptz column.
 */
export type ColumnValue = string | number | bigint | boolean | null;

/** What fitting returns for a value that does not fit its column (a marker, so fitting allocates nothing). */
export const MISFIT: unique symbol = Symbol('misfit');

/** A fitted value, or MISFIT. */
export type Fitted = ColumnValue | typeof MISFIT;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Converts a row value for a column of `type`, or returns MISFIT (the value then goes to `__raw`). */
export function fitValue(type: LogicalType, value: unknown): Fitted {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'text':
      if (typeof value === 'string') return value;
      // A date-time field in a text column (a table made before the field was declared one).
      return value instanceof DateTime ? value.toJSON() : MISFIT;
    case 'bigint':
      return fitBigint(value);
    case 'double':
      return fitDouble(value);
    case 'boolean':
      return typeof value === 'boolean' ? value : MISFIT;
    case 'timestamptz':
      return fitTimestamp(value);
    case 'json':
      return toJsonText(value);
  }
}

/**
 * Primary key values cannot move to a `__raw` column, so lossless conversions are accepted there:
 * a number for a text key, a string of digits for a bigint key.
 */
export function fitKeyValue(type: LogicalType, value: unknown): Fitted {
  const strict = fitValue(type, value);
  if (strict !== MISFIT) return strict;
  if (type === 'text' && (typeof value === 'number' || typeof value === 'bigint') && isFiniteNumber(value)) {
    return String(value);
  }
  if (type === 'bigint' && typeof value === 'string' && /^-?\d{1,19}$/.test(value))
    return fitBigint(BigInt(value));
  return MISFIT;
}

/** JSON text of any row value; values JSON cannot express (bigint, NaN, Infinity) become their string form. */
export function toJsonText(value: unknown): string {
  // Values parsed from JSON never hold those: skip the replacer, which costs a call per nested value.
  if (plainJson(value)) return JSON.stringify(value);
  const text = JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'bigint' || (typeof inner === 'number' && !Number.isFinite(inner))
      ? String(inner)
      : inner,
  );
  return text ?? JSON.stringify(String(value));
}

/** True when JSON.stringify renders the value faithfully: no bigint, NaN, Infinity or undefined inside. */
function plainJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth > 32 || !(Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype))
        return false;
      if (Array.isArray(value)) {
        for (const item of value) if (!plainJson(item, depth + 1)) return false;
        return true;
      }
      for (const key in value) {
        if (!plainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function fitBigint(value: unknown): Fitted {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else return MISFIT;
  return big >= INT64_MIN && big <= INT64_MAX ? big : MISFIT;
}

function fitDouble(value: unknown): Fitted {
  if (typeof value === 'number') return Number.isFinite(value) ? value : MISFIT;
  if (typeof value === 'bigint' && BigInt(Number(value)) === value) return Number(value);
  return MISFIT;
}

function fitTimestamp(value: unknown): Fitted {
  // The connector's own rows carry DateTime values: their instant goes in as it is, without text.
  if (value instanceof DateTime) return value.epochMicros;
  const micros =
    typeof value === 'string'
      ? parseDateTimeMicros(value)
      : value instanceof Date
        ? dateMicros(value)
        : undefined;
  return micros === undefined ? MISFIT : micros;
}

function isFiniteNumber(value: number | bigint): boolean {
  return typeof value === 'bigint' || Number.isFinite(value);
}
