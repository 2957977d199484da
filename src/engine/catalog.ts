import type { JsonSchema, StreamDefinition } from '../streams/types.js';
import { DELETED_AT, type StreamSpec, SYNCED_AT } from './sink.js';

const METADATA_COLUMN: JsonSchema = { type: ['string', 'null'], format: 'date-time' };

/** What sinks are told about a table: its schema plus the `_cio_*` metadata columns. */
export function streamSpecFor(def: StreamDefinition): StreamSpec {
  const schema: JsonSchema = {
    ...def.schema,
    properties: {
      ...def.schema.properties,
      [SYNCED_AT]: { ...METADATA_COLUMN, description: 'When cio-sync last wrote the row.' },
      [DELETED_AT]: {
        ...METADATA_COLUMN,
        description: 'When a complete read of the table no longer found the row; null while it exists.',
      },
    },
  };
  const spec: StreamSpec = {
    name: def.name,
    primaryKey: [...def.primaryKey],
    method: def.replicationKey === undefined ? 'full_table' : 'incremental',
    schema,
  };
  if (def.replicationKey !== undefined) spec.replicationKey = def.replicationKey;
  if (def.parent !== undefined) spec.parent = def.parent.table;
  if (def.optIn) spec.optIn = true;
  const partial = def.partialRead?.kind;
  if ((partial === 'rescan' || partial === 'head') && def.timeField !== undefined) {
    spec.cursorField = def.timeField;
  }
  return spec;
}
