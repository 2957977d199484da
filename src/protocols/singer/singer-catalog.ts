import type { StreamSpec } from '../../engine/sink.js';
import type { JsonSchema } from '../../streams/types.js';
import { automaticFields, protocolSchema } from '../shared/protocol-record.js';

export type SingerReplicationMethod = 'INCREMENTAL' | 'FULL_TABLE';

export interface SingerMetadataEntry {
  /** `[]` for the stream, `['properties', field]` for a field. */
  breadcrumb: string[];
  metadata: Record<string, unknown>;
}

export interface SingerCatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: JsonSchema;
  key_properties: string[];
  replication_key?: string;
  replication_method: SingerReplicationMethod;
  metadata: SingerMetadataEntry[];
}

export interface SingerCatalog {
  streams: SingerCatalogEntry[];
}

function singerMethod(method: StreamSpec['method']): SingerReplicationMethod {
  return method === 'incremental' ? 'INCREMENTAL' : 'FULL_TABLE';
}

/**
 * The discovery catalog: every stream selected by default (Meltano reads `selected-by-default`), the
 * key and bookmark fields `automatic` so no selection can drop them, every other field `available`.
 */
export function singerCatalog(specs: readonly StreamSpec[]): SingerCatalog {
  return { streams: specs.map(singerCatalogEntry) };
}

function singerCatalogEntry(spec: StreamSpec): SingerCatalogEntry {
  const schema = protocolSchema(spec);
  const method = singerMethod(spec.method);
  const automatic = new Set(automaticFields(spec));
  const streamMetadata: Record<string, unknown> = {
    inclusion: 'available',
    // Opt-in tables cost a request per object: selected only when asked for.
    'selected-by-default': !spec.optIn,
    // A stream that can also be read incrementally lets the catalog choose (`replication-method`).
    ...(spec.cursorField ? {} : { 'forced-replication-method': method }),
    'table-key-properties': [...spec.primaryKey],
  };
  const cursor = spec.replicationKey ?? spec.cursorField;
  if (cursor) streamMetadata['valid-replication-keys'] = [cursor];
  // As singer-io taps mark a child stream: read per row of that stream.
  if (spec.parent) streamMetadata['parent-tap-stream-id'] = spec.parent;
  const metadata: SingerMetadataEntry[] = [{ breadcrumb: [], metadata: streamMetadata }];
  for (const field of Object.keys(schema.properties ?? {})) {
    metadata.push({
      breadcrumb: ['properties', field],
      metadata: { inclusion: automatic.has(field) ? 'automatic' : 'available', 'selected-by-default': true },
    });
  }
  return {
    tap_stream_id: spec.name,
    stream: spec.name,
    schema,
    key_properties: [...spec.primaryKey],
    ...(spec.replicationKey ? { replication_key: spec.replicationKey } : {}),
    replication_method: method,
    metadata,
  };
}
