import { isRecord } from '../../core/json.js';
import { setOwnField } from '../../core/own-fields.js';
import { DateTime, parseDateTimeMicros } from '../../core/time.js';
import type { StreamSpec } from '../../engine/sink.js';
import type { JsonSchema, Row } from '../../streams/types.js';
import { protocolSchema } from './protocol-record.js';

/**
 * A protocol target validates every record against the schema the tap declared, and a value of
 * another type than declared makes it reject the record (or stop). The API sends such values now and
 * then (a number as text, JSON text where an object was promised). So a record leaves as the schema
 * says, the way the database sinks keep such values: a field whose value does not fit its declared
 * type goes out as null, and the value as sent goes out beside it in `<field>__raw`, declared untyped.
 * Keys cannot move aside; a lossless conversion (a number as text, or digits as an integer) makes
 * them fit.
 */

function typesOf(schema: JsonSchema): readonly string[] | undefined {
  if (schema.type === undefined) return undefined;
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** Whether `value` is valid under `schema`, for the JSON Schema the catalogs are written in. */
export function fitsSchema(schema: JsonSchema, value: unknown, depth = 0): boolean {
  const types = typesOf(schema);
  if (value === null || value === undefined) return types === undefined || types.includes('null');
  if (value instanceof DateTime) return types === undefined || types.includes('string');
  if (types !== undefined && !types.some((type) => isOfType(type, value))) return false;
  if (typeof value === 'string' && schema.format === 'date-time') {
    return parseDateTimeMicros(value) !== undefined;
  }
  // Nested schemas beyond this depth are never written; the depth guards against hostile nesting.
  if (depth > 16) return true;
  if (Array.isArray(value)) {
    const items = schema.items;
    return items === undefined || value.every((item) => fitsSchema(items, item, depth + 1));
  }
  if (isRecord(value) && schema.properties !== undefined) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (Object.hasOwn(value, name) && !fitsSchema(property, value[name], depth + 1)) return false;
    }
  }
  return true;
}

function isOfType(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
    case 'number':
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
    default:
      return false;
  }
}

/** A key value converted without loss to fit its schema, or undefined. */
function keyThatFits(schema: JsonSchema, value: unknown): unknown {
  const types = typesOf(schema) ?? [];
  if (types.includes('string') && typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (types.includes('string') && typeof value === 'bigint') return String(value);
  if (types.includes('integer') && typeof value === 'string' && /^-?\d{1,15}$/.test(value))
    return Number(value);
  return undefined;
}

export interface ConformedRecord {
  record: Row;
  /** The fields whose values went to `<field>__raw`. */
  moved: string[];
  /** Key fields converted to fit. */
  converted: string[];
}

/** The name of the field that carries a value that did not fit `field`'s declared type. */
export function rawFieldOf(field: string): string {
  return `${field}__raw`;
}

/** `row` as the stream's schema declares it (see the module comment); the row itself is not changed. */
export function conformRecord(row: Row, schema: JsonSchema, keys: readonly string[]): ConformedRecord {
  const properties = schema.properties ?? {};
  let record: Row | undefined;
  const moved: string[] = [];
  const converted: string[] = [];
  for (const field of Object.keys(row)) {
    const property = Object.hasOwn(properties, field) ? properties[field] : undefined;
    if (property === undefined || fitsSchema(property, row[field])) continue;
    record ??= { ...row };
    if (keys.includes(field)) {
      const fitted = keyThatFits(property, row[field]);
      // A key nothing converts goes out as sent: the engine already set aside records without one.
      if (fitted === undefined) continue;
      setOwnField<unknown>(record, field, fitted);
      converted.push(field);
      continue;
    }
    setOwnField<unknown>(record, rawFieldOf(field), row[field]);
    setOwnField<unknown>(record, field, null);
    moved.push(field);
  }
  return { record: record ?? row, moved, converted };
}

/**
 * A batch of rows conformed to its stream's protocol schema; `rawFields` (per stream) collects the
 * `<field>__raw` fields used, for a protocol that declares them.
 */
export function conformRecords(
  spec: Pick<StreamSpec, 'name' | 'schema' | 'primaryKey'>,
  rows: readonly Row[],
  rawFields?: Map<string, Set<string>>,
): { records: Row[]; coerced: number } {
  const schema = protocolSchema(spec);
  let coerced = 0;
  const records = rows.map((row) => {
    const { record, moved, converted } = conformRecord(row, schema, spec.primaryKey);
    coerced += moved.length + converted.length;
    if (moved.length > 0 && rawFields !== undefined) {
      const fields = rawFields.get(spec.name) ?? new Set<string>();
      for (const field of moved) fields.add(rawFieldOf(field));
      rawFields.set(spec.name, fields);
    }
    return record;
  });
  return { records, coerced };
}

/** `schema` declaring `fields` (values of another type than declared, kept as sent) as untyped. */
export function withRawFields(schema: JsonSchema, fields: ReadonlySet<string> | undefined): JsonSchema {
  if (fields === undefined || fields.size === 0) return schema;
  const properties = { ...schema.properties };
  for (const field of [...fields].sort()) {
    setOwnField(properties, field, {
      description: 'The value as sent, when it did not fit the declared type.',
    });
  }
  return { ...schema, properties };
}
