import { setOwnField } from '../../core/own-fields.js';
import type { StreamSpec } from '../../engine/sink.js';
import type { JsonSchema } from '../../streams/types.js';

/**
 * The `_cio_*` columns describe the database copy (when a row was written, when it vanished); a
 * protocol target keeps its own (`_sdc_*`, `_airbyte_*`), so they are not declared. Rows never
 * carry them (the database sinks add them), and the engine has already selected the fields, so
 * records go out as the engine hands them.
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

/** `schema` with `null` among its types (an untyped schema already allows it). */
function allowingNull(schema: JsonSchema): JsonSchema {
  if (schema.type === undefined) return schema;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('null') ? schema : { ...schema, type: [...types, 'null'] };
}

/**
 * The row schema as a protocol declares it: the stream's fields without the metadata columns. Only
 * the primary key is promised non-null: a record whose replication key or time field is missing or
 * unreadable is still emitted (its value kept in `<field>__raw`, see conform-record.ts) and moves no
 * bookmark, so declaring those fields non-null would make a validating target reject it.
 */
export function protocolSchema(spec: Pick<StreamSpec, 'schema' | 'primaryKey'>): JsonSchema {
  const { schema, primaryKey } = spec;
  const keep = (field: string) => !isMetadataColumn(field);
  const properties: Record<string, JsonSchema> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (keep(name))
      setOwnField(properties, name, primaryKey.includes(name) ? property : allowingNull(property));
  }
  const declared: JsonSchema = { ...schema, type: schema.type ?? 'object', properties };
  if (schema.required) declared.required = schema.required.filter(keep);
  return declared;
}
