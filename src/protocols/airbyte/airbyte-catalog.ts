import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { StreamSpec } from '../../engine/sink.js';
import type { StreamSelection } from '../../engine/sync.js';
import { isStreamName, STREAM_NAMES } from '../../streams/definitions.js';
import type { JsonSchema } from '../../streams/types.js';
import { protocolSchema } from '../shared/protocol-record.js';

export type SyncMode = 'full_refresh' | 'incremental';

export interface AirbyteStream {
  name: string;
  json_schema: JsonSchema;
  supported_sync_modes: SyncMode[];
  source_defined_cursor: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key: string[][];
  is_resumable: boolean;
}

function isDateTime(node: Record<string, unknown>): boolean {
  const type = node.type;
  const isString = type === 'string' || (Array.isArray(type) && type.includes('string'));
  return isString && node.format === 'date-time';
}

/**
 * Airbyte's reading of a row schema: every declared `additionalProperties` true (new API fields are
 * emitted, and the acceptance tests reject `false`), date-times typed as timestamps with a zone.
 */
function airbyteTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(airbyteTypes);
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === 'additionalProperties' && value === false ? true : airbyteTypes(value);
  }
  if (isDateTime(out) && out.airbyte_type === undefined) out.airbyte_type = 'timestamp_with_timezone';
  return out;
}

function airbyteJsonSchema(spec: StreamSpec): JsonSchema {
  const projected = protocolSchema(spec);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(airbyteTypes(projected) as JsonSchema),
    type: 'object',
    additionalProperties: true,
  };
}

/**
 * The field an incremental read follows: an incremental stream's replication key, or the time field
 * of a full-table stream that can be read by what changed (messages, activities).
 */
function cursorOf(spec: StreamSpec): string | undefined {
  return spec.method === 'incremental' && spec.replicationKey ? spec.replicationKey : spec.cursorField;
}

function airbyteStream(spec: StreamSpec): AirbyteStream {
  const cursor = cursorOf(spec);
  return {
    name: spec.name,
    json_schema: airbyteJsonSchema(spec),
    supported_sync_modes: cursor ? ['full_refresh', 'incremental'] : ['full_refresh'],
    // Incremental streams own their cursor; full-table streams checkpoint a page position instead.
    source_defined_cursor: true,
    ...(cursor ? { default_cursor_field: [cursor] } : {}),
    source_defined_primary_key: spec.primaryKey.map((field) => [field]),
    // Every stream checkpoints after each page, so an interrupted attempt resumes where it stopped.
    is_resumable: true,
  };
}

/** The discovered catalog (`cio-sync airbyte discover`). */
export function airbyteCatalog(specs: readonly StreamSpec[]): { streams: AirbyteStream[] } {
  return { streams: specs.map(airbyteStream) };
}

export function airbyteCatalogMessage(specs: readonly StreamSpec[]): Record<string, unknown> {
  return { type: 'CATALOG', catalog: airbyteCatalog(specs) };
}

function invalid(message: string): CioError {
  return new CioError('CIO_ERR_CONFIG', `Configured catalog: ${message}`);
}

function samePath(given: unknown, expected: string[][]): boolean {
  return JSON.stringify(given) === JSON.stringify(expected);
}

export interface ConfiguredSelection {
  selection: StreamSelection[];
  /** Choices the source overrides (its cursor and key are source-defined), worth a LOG WARN. */
  warnings: string[];
}

/**
 * Reads a ConfiguredAirbyteCatalog (`read --catalog`). `full_refresh` reads the whole stream
 * whatever the state says; `incremental` follows the stream's own cursor. Column selection is
 * left to the platform, which filters records by the configured `json_schema`.
 */
export function selectionFromConfiguredCatalog(
  raw: unknown,
  specs: readonly StreamSpec[],
): ConfiguredSelection {
  if (!isRecord(raw) || !Array.isArray(raw.streams)) {
    throw invalid('expected a JSON object with a "streams" list of configured streams.');
  }
  const specByName = new Map(specs.map((spec) => [spec.name, spec]));
  const selection: StreamSelection[] = [];
  const warnings: string[] = [];
  for (const item of raw.streams) {
    const stream = isRecord(item) && isRecord(item.stream) ? item.stream : undefined;
    const name = stream?.name;
    if (!isRecord(item) || typeof name !== 'string')
      throw invalid('every configured stream needs stream.name.');
    const spec = specByName.get(name);
    if (!isStreamName(name) || !spec) {
      throw invalid(`unknown stream "${name}". Known streams: ${STREAM_NAMES.join(', ')}.`);
    }
    if (selection.some((s) => s.name === name)) throw invalid(`stream "${name}" is configured twice.`);
    const mode = item.sync_mode ?? 'full_refresh';
    if (mode !== 'full_refresh' && mode !== 'incremental') {
      throw invalid(
        `stream "${name}" has sync_mode ${JSON.stringify(mode)}; use full_refresh or incremental.`,
      );
    }
    if (mode === 'incremental') {
      const cursor = cursorOf(spec);
      if (!cursor) {
        throw invalid(`stream "${name}" supports only full_refresh (the API offers no cursor for it).`);
      }
      if (item.cursor_field !== undefined && !samePath([item.cursor_field], [[cursor]])) {
        warnings.push(
          `Stream ${name}: cursor_field ${JSON.stringify(item.cursor_field)} ignored; the source-defined cursor is ${cursor}.`,
        );
      }
    }
    const expectedKey = spec.primaryKey.map((field) => [field]);
    if (item.primary_key !== undefined && !samePath(item.primary_key, expectedKey)) {
      warnings.push(
        `Stream ${name}: primary_key ${JSON.stringify(item.primary_key)} differs from the source-defined ${JSON.stringify(expectedKey)}; records carry both.`,
      );
    }
    selection.push({ name, method: mode === 'incremental' ? 'incremental' : 'full_table' });
  }
  if (selection.length === 0) throw invalid('no stream is configured.');
  return { selection, warnings };
}
