import type { StreamBookmark, SyncState } from '../core/state.js';
import { getDefinition, type StreamName } from '../streams/definitions.js';
import type { StreamDefinition } from '../streams/types.js';
import { streamSpecFor } from './catalog.js';
import { fieldsToKeep, selectSchemaFields } from './field-selection.js';
import type { StreamSpec } from './sink.js';

/** One stream a run reads, as a caller (a catalog, a config's table list) chooses it. */
export interface StreamSelection {
  name: StreamName;
  /** Overrides the stream's replication method (Airbyte full_refresh of an incremental stream). */
  method?: 'incremental' | 'full_table';
  /** Fields to emit; primary and replication keys are always kept. Undefined: every field. */
  fields?: string[];
  /** `--full-refresh`: a complete read even where the table could read only what changed. */
  fullRefresh?: boolean;
}

/** What one stream's read starts from. */
export interface StreamJob {
  definition: StreamDefinition;
  /** The spec handed to the sink; its schema grows with schema evolution. */
  spec: StreamSpec;
  /** Fields to keep (selected plus automatic); undefined keeps everything. */
  fields?: ReadonlySet<string>;
  bookmark: StreamBookmark;
  /** A complete read whatever the state says (`--full-refresh`). */
  fullRefresh?: boolean;
  /**
   * The read may ask for only what changed (a table with a `partialRead`): a database destination,
   * which merges rows and marks deletions itself, or a protocol stream selected as incremental on
   * its time field.
   */
  partialAllowed?: boolean;
}

/** The job of one selected stream: its method, its selected fields, and the bookmark to start from. */
export function streamJobFor(
  selection: StreamSelection,
  state: SyncState,
  destinationMerges = false,
): StreamJob {
  const definition = getDefinition(selection.name);
  const base = streamSpecFor(definition);
  const method = selection.method ?? base.method;
  const fields = fieldsToKeep(definition, selection.fields);
  const schema = fields ? selectSchemaFields(base.schema, fields) : base.schema;
  const spec: StreamSpec = { ...base, method, schema: structuredClone(schema) };
  // Read incrementally on its time field: that field is the stream's cursor from here on.
  if (method === 'incremental' && base.method === 'full_table' && base.cursorField) {
    spec.replicationKey = base.cursorField;
  }
  const saved = state.bookmarks[selection.name] ?? {};
  // A full read ignores an incremental bookmark, but an interrupted read of the same kind resumes.
  const bookmark =
    method === 'full_table' && base.method === 'incremental'
      ? { ...saved, replication_key_value: undefined }
      : saved;
  // A protocol stream reads partially only when chosen incremental on its time field: a stream
  // incremental on its replication key already promises every record changed since its bookmark.
  const onTimeField = method === 'incremental' && base.method === 'full_table';
  const partialAllowed = definition.partialRead !== undefined && (destinationMerges || onTimeField);
  return {
    definition,
    spec,
    bookmark,
    ...(fields ? { fields } : {}),
    ...(selection.fullRefresh ? { fullRefresh: true } : {}),
    ...(partialAllowed ? { partialAllowed } : {}),
  };
}
