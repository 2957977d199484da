import { CioError } from '../api/errors.js';
import { readJsonFile } from '../config/json-file.js';
import type { SyncState } from '../engine/state.js';
import { syncStateFromAirbyte } from '../sinks/airbyte/airbyte-state.js';
import { syncStateFromSinger, unwrapSingerState } from '../sinks/singer/singer-state.js';
import type { StreamSpec } from '../sinks/sink.js';
import { getDefinition } from '../streams/definitions.js';
import { pagePositionFrom } from '../streams/resume-position.js';
import { suppressionPositionFrom } from '../streams/suppressions.js';
import { isStreamName, type StreamName } from '../streams/types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notOurs(path: string, why: string): CioError {
  return new CioError(
    'CIO_ERR_STATE',
    `The state file ${path} was not written by this version of cio-sync (another tool, or a newer cio-sync): ${why}. Pass the last state of a cio-sync run, or no --state to read from the start date.`,
  );
}

function singerStreamNames(raw: unknown, path: string): string[] {
  const value = unwrapSingerState(raw);
  if (!isRecord(value) || Object.keys(value).length === 0) return [];
  if (!('bookmarks' in value)) {
    throw notOurs(path, `it has no "bookmarks" but ${describeKeys(Object.keys(value))}`);
  }
  return isRecord(value.bookmarks) ? Object.keys(value.bookmarks) : [];
}

/** Stream names an Airbyte state names, whatever its shape (STREAM, GLOBAL, LEGACY, bare). */
function airbyteStreamNames(raw: unknown): string[] {
  const names: string[] = [];
  const descriptor = (entry: unknown): void => {
    if (
      isRecord(entry) &&
      isRecord(entry.stream_descriptor) &&
      typeof entry.stream_descriptor.name === 'string'
    )
      names.push(entry.stream_descriptor.name);
  };
  const one = (message: unknown): void => {
    const value = isRecord(message) && message.type === 'STATE' ? message.state : message;
    if (!isRecord(value)) return;
    if (isRecord(value.stream)) descriptor(value.stream);
    else if (isRecord(value.global) && Array.isArray(value.global.stream_states))
      value.global.stream_states.forEach(descriptor);
    else {
      const data = 'data' in value ? value.data : value;
      if (!isRecord(data)) return;
      names.push(...Object.keys(isRecord(data.bookmarks) ? data.bookmarks : data));
    }
  };
  if (Array.isArray(raw)) raw.forEach(one);
  else one(raw);
  return names;
}

function describeKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(k));
  return `${shown.join(', ')}${keys.length > shown.length ? ', ...' : ''}`;
}

/** A state that names streams but none of ours belongs to another connector. */
function checkNames(names: readonly string[], path: string): void {
  if (names.length === 0 || names.some(isStreamName)) return;
  throw notOurs(path, `none of its streams (${describeKeys(names)}) is a cio-sync table`);
}

/**
 * What a bookmark must mean for this version: the same replication key (a value on another field
 * would filter the wrong column) and a resume position the table's reader understands (checked here
 * so a bad state fails before anything is emitted, not halfway through a run).
 */
function checkBookmarks(state: SyncState, specs: readonly StreamSpec[], path: string): void {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  for (const [stream, bookmark] of Object.entries(state.bookmarks)) {
    const spec = byName.get(stream);
    if (!spec || !isStreamName(stream)) continue;
    if (bookmark.replication_key !== undefined && bookmark.replication_key !== spec.replicationKey) {
      throw notOurs(
        path,
        spec.replicationKey === undefined
          ? `${stream} has a bookmark on "${bookmark.replication_key}" but is read in full every time`
          : `${stream} is bookmarked on "${bookmark.replication_key}", not on "${spec.replicationKey}"`,
      );
    }
    const position = bookmark.resume?.position;
    if (position === undefined || position === null) continue;
    try {
      checkPosition(stream, position);
    } catch {
      throw notOurs(
        path,
        `${stream} would resume at ${JSON.stringify(position).slice(0, 80)}, a position this version cannot read`,
      );
    }
  }
}

function checkPosition(stream: StreamName, position: unknown): void {
  const definition = getDefinition(stream);
  if (definition.reader === 'suppressions') {
    suppressionPositionFrom(position, stream);
    return;
  }
  const parsed = pagePositionFrom(position, stream);
  const kind = definition.paging.kind;
  if (parsed !== null && kind !== 'none' && !(kind in parsed)) {
    throw new Error(`a ${Object.keys(parsed)[0]} position for ${kind} paging`);
  }
}

/** Says which file a state error is about (the parsers do not know it). */
function naming<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CioError) throw new CioError(error.code, `The state file ${path}: ${error.message}`);
    throw error;
  }
}

/** `tap --state FILE`: a Singer state of cio-sync (or of a compatible Customer.io tap), checked. */
export function readSingerStateFile(path: string, specs: readonly StreamSpec[]): SyncState {
  const raw = readJsonFile(path, 'state', 'CIO_ERR_STATE');
  checkNames(singerStreamNames(raw, path), path);
  const state = naming(path, () => syncStateFromSinger(raw, specs));
  checkBookmarks(state, specs, path);
  return state;
}

/** `airbyte read --state FILE`: the state the platform kept from an earlier read, checked. */
export function readAirbyteStateFile(path: string, specs: readonly StreamSpec[]): SyncState {
  const raw = readJsonFile(path, 'state', 'CIO_ERR_STATE');
  checkNames(airbyteStreamNames(raw), path);
  const state = naming(path, () => syncStateFromAirbyte(raw, specs));
  checkBookmarks(state, specs, path);
  return state;
}
