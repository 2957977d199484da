import { DateTime } from '../../core/time.js';
import type { JsonSchema } from '../../streams/types.js';

/** Engine-neutral column types; each engine's capabilities record names them in its own SQL. */
export type LogicalType = 'text' | 'bigint' | 'double' | 'boolean' | 'timestamptz' | 'json';

export const LOGICAL_TYPES: readonly LogicalType[] = [
  'text',
  'bigint',
  'double',
  'boolean',
  'timestamptz',
  'json',
];

export function isLogicalType(value: unknown): value is LogicalType {
  return typeof value === 'string' && (LOGICAL_TYPES as readonly string[]).includes(value);
}

/** The column type whose name in `names` is `name` (names compared case-insensitively). */
export function logicalTypeNamed(
  names: Readonly<Record<LogicalType, string>>,
  name: string,
): LogicalType | undefined {
  return LOGICAL_TYPES.find((type) => names[type].toLowerCase() === name.toLowerCase());
}

/** The column type for a JSON Schema property. `['x', 'null']` is a nullable x; anything ambiguous is JSON. */
export function logicalTypeOfSchema(schema: JsonSchema): LogicalType {
  const declared = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const types = [...new Set(declared.filter((type) => type !== 'null'))];
  if (types.length !== 1) return 'json';
  switch (types[0]) {
    case 'string':
      return schema.format === 'date-time' ? 'timestamptz' : 'text';
    case 'integer':
      return 'bigint';
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}

/**
 * The column type for a field no schema declared, from the values a batch carries. Strings stay text
 * (a date-looking string is not promoted: the engine converts the fields it knows are timestamps).
 */
export function inferLogicalType(values: Iterable<unknown>): LogicalType {
  const kinds = new Set<string>();
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (value instanceof DateTime) kinds.add('string');
    else if (typeof value === 'number') kinds.add(Number.isInteger(value) ? 'integer' : 'number');
    else if (typeof value === 'bigint') kinds.add('integer');
    else kinds.add(typeof value === 'object' ? 'object' : typeof value);
  }
  if (kinds.size === 0) return 'json';
  if (kinds.size === 1 && kinds.has('integer')) return 'bigint';
  if ([...kinds].every((kind) => kind === 'integer' || kind === 'number')) return 'double';
  if (kinds.size === 1 && kinds.has('string')) return 'text';
  if (kinds.size === 1 && kinds.has('boolean')) return 'boolean';
  return 'json';
}
