import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { StreamSpec } from '../../engine/sink.js';
import type { StreamSelection } from '../../engine/sync.js';
import { isStreamName, STREAM_NAMES } from '../../streams/definitions.js';
import { automaticFields, isMetadataColumn } from '../shared/protocol-record.js';

type Metadata = Record<string, unknown>;

function invalid(message: string): CioError {
  return new CioError('CIO_ERR_CONFIG', `Singer catalog: ${message}`);
}

/** Metadata by breadcrumb: '' for the stream, the field name for `['properties', field]`. */
function metadataMap(entry: Record<string, unknown>, name: string): Map<string, Metadata> {
  const map = new Map<string, Metadata>();
  const list = entry.metadata ?? [];
  if (!Array.isArray(list)) throw invalid(`"metadata" of stream ${name} must be a list.`);
  for (const item of list) {
    if (!isRecord(item) || !Array.isArray(item.breadcrumb) || !isRecord(item.metadata)) {
      throw invalid(`stream ${name} has a metadata item without a breadcrumb list and a metadata object.`);
    }
    const crumb = item.breadcrumb;
    if (crumb.length === 0) map.set('', { ...map.get(''), ...item.metadata });
    // Nested breadcrumbs (sub-properties) are not selectable: rows carry top-level fields only.
    else if (crumb.length === 2 && crumb[0] === 'properties' && typeof crumb[1] === 'string') {
      map.set(crumb[1], { ...map.get(crumb[1]), ...item.metadata });
    }
  }
  return map;
}

/** Singer's rule: automatic always, unsupported never, else `selected`, else `selected-by-default`. */
function isSelected(meta: Metadata | undefined, fallback: boolean): boolean {
  if (meta?.inclusion === 'automatic') return true;
  if (meta?.inclusion === 'unsupported') return false;
  if (typeof meta?.selected === 'boolean') return meta.selected;
  if (typeof meta?.['selected-by-default'] === 'boolean') return meta['selected-by-default'];
  return fallback;
}

function methodFor(
  entry: Record<string, unknown>,
  root: Metadata,
  spec: StreamSpec,
): StreamSelection['method'] {
  const asked = root['replication-method'] ?? entry.replication_method;
  if (asked === undefined || asked === null) return spec.method;
  if (asked === 'FULL_TABLE') return 'full_table';
  // A full-table stream has no bookmark to follow: its forced method wins, as the catalog said;
  // one with a cursor field (messages, activities) reads what changed since on it.
  if (asked === 'INCREMENTAL') return spec.cursorField ? 'incremental' : spec.method;
  throw invalid(
    `stream ${spec.name} asks for replication method ${JSON.stringify(asked)}; use FULL_TABLE or INCREMENTAL.`,
  );
}

function fieldsFor(
  entry: Record<string, unknown>,
  meta: Map<string, Metadata>,
  spec: StreamSpec,
): string[] | undefined {
  const schema = isRecord(entry.schema) ? entry.schema : {};
  const declared = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
  const names = new Set([...declared, ...meta.keys()]);
  names.delete('');
  const automatic = new Set(automaticFields(spec));
  const selected: string[] = [];
  let dropped = false;
  for (const field of names) {
    if (isMetadataColumn(field)) continue;
    if (automatic.has(field) || isSelected(meta.get(field), true)) selected.push(field);
    else dropped = true;
  }
  // Nothing deselected: keep every field, including ones the API adds after discovery.
  if (!dropped) return undefined;
  for (const field of automatic) if (!selected.includes(field)) selected.push(field);
  return selected;
}

/**
 * Reads a Singer catalog (`--catalog`, or the legacy `--properties`) into the streams to sync.
 * A stream is synced when its `[]` metadata (or the legacy `schema.selected`) selects it, falling
 * back to `selected-by-default`, so the discovered catalog as it is syncs everything.
 */
export function selectionFromSingerCatalog(raw: unknown, specs: readonly StreamSpec[]): StreamSelection[] {
  if (!isRecord(raw) || !Array.isArray(raw.streams)) {
    throw invalid('expected a JSON object with a "streams" list (the output of --discover).');
  }
  const specByName = new Map(specs.map((spec) => [spec.name, spec]));
  const seen = new Set<string>();
  const selection: StreamSelection[] = [];
  for (const entry of raw.streams) {
    if (!isRecord(entry)) throw invalid('every item of "streams" must be an object.');
    const name = entry.tap_stream_id ?? entry.stream;
    if (typeof name !== 'string' || name === '') throw invalid('a stream has no "tap_stream_id".');
    const spec = specByName.get(name);
    if (!isStreamName(name) || !spec) {
      throw invalid(`unknown stream "${name}". Known streams: ${STREAM_NAMES.join(', ')}.`);
    }
    if (seen.has(name)) throw invalid(`stream "${name}" appears twice.`);
    seen.add(name);
    const meta = metadataMap(entry, name);
    const root = meta.get('') ?? {};
    const legacy =
      isRecord(entry.schema) && typeof entry.schema.selected === 'boolean'
        ? entry.schema.selected
        : undefined;
    const chosen =
      typeof root.selected === 'boolean'
        ? root.selected
        : (legacy ?? isSelected({ ...root, inclusion: undefined }, false));
    if (!chosen) continue;
    const fields = fieldsFor(entry, meta, spec);
    selection.push({ name, method: methodFor(entry, root, spec), ...(fields ? { fields } : {}) });
  }
  if (selection.length === 0) {
    throw invalid('no stream is selected. Set "selected": true in the [] metadata of the streams to sync.');
  }
  return selection;
}
