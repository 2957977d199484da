import { setOwnField } from '../core/own-fields.js';
import type { JsonSchema, Row, StreamDefinition } from '../streams/types.js';
import { DELETED_AT, SYNCED_AT } from './sink.js';

/**
 * The one place a stream's fields are selected: the engine hands every sink rows and a schema with
 * the selected fields only, so no sink filters them again.
 */

/**
 * The fields a selection keeps: the chosen ones, plus those no selection may drop (the key, the
 * bookmark field, the metadata columns). Undefined when nothing is selected: every field is kept.
 */
export function fieldsToKeep(
  definition: Pick<StreamDefinition, 'primaryKey' | 'replicationKey'>,
  selected: readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (selected === undefined) return undefined;
  const keep = new Set([...selected, ...definition.primaryKey, SYNCED_AT, DELETED_AT]);
  if (definition.replicationKey) keep.add(definition.replicationKey);
  return keep;
}

/** A copy of the schema that declares only the kept fields (and requires only those). */
export function selectSchemaFields(schema: JsonSchema, keep: ReadonlySet<string>): JsonSchema {
  const selected: JsonSchema = {
    ...schema,
    properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([key]) => keep.has(key))),
  };
  if (schema.required) selected.required = schema.required.filter((key) => keep.has(key));
  return selected;
}

/** A copy of the row with only the kept fields, in the row's order. */
export function selectRowFields(row: Row, keep: ReadonlySet<string>): Row {
  const out: Row = {};
  for (const key of Object.keys(row)) if (keep.has(key)) setOwnField(out, key, row[key]);
  return out;
}
