import { setOwnField } from '../../core/own-fields.js';
import type { StreamSpec } from '../../engine/sink.js';
import type { JsonSchema, Row } from '../../streams/types.js';

/**
 * The `_cio_*` columns describe the database copy (when a row was written, when it vanished); a
 * protocol target keeps its own (`_sdc_*`, `_airbyte_*`), so they are neither declared nor sent.
 */
export function isMetadataColumn(name: string): boolean {
  return name.startsWith('_cio_');
}

/** The fields a stream always carries whatever the selection says: its key and its bookmark. */
export function automaticFields(spec: Pick<StreamSpec, 'primaryKey' | 'replicationKey'>): string[] {
  const fields = [...spec.primaryKey];
  if (spec.replicationKey && !fields.includes(spec.replicationKey)) fields.push(spec.replicationKey);
  return fields;
}

/** Decides which top-level fields of a stream go out; `undefined` selected fields means all of them. */
export function fieldFilter(
  spec: Pick<StreamSpec, 'primaryKey' | 'replicationKey'>,
  selectedFields: readonly string[] | undefined,
): (field: string) => boolean {
  if (selectedFields === undefined) return (field) => !isMetadataColumn(field);
  const keep = new Set([...selectedFields, ...automaticFields(spec)]);
  return (field) => keep.has(field) && !isMetadataColumn(field);
}

/** The row schema as a protocol declares it: selected fields only, no metadata columns. */
export function projectSchema(schema: JsonSchema, keep: (field: string) => boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (keep(name)) setOwnField(properties, name, property);
  }
  const projected: JsonSchema = { ...schema, type: schema.type ?? 'object', properties };
  if (schema.required) projected.required = schema.required.filter(keep);
  return projected;
}

/** A copy of the row with only the fields that go out. */
export function projectRow(row: Row, keep: (field: string) => boolean): Row {
  const out: Row = {};
  for (const name in row) {
    if (keep(name) && Object.hasOwn(row, name)) setOwnField(out, name, row[name]);
  }
  return out;
}
