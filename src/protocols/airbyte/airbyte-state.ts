import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { StreamBookmark, SyncState } from '../../core/state.js';
import type { StreamSpec } from '../../engine/sink.js';
import { parseBookmark } from '../shared/state-bookmark.js';

function invalid(why: string): CioError {
  return new CioError('CIO_ERR_STATE', `Airbyte state: ${why}`);
}

/** The per-stream STATE message for one bookmark; `recordCount` counts the records it covers. */
export function airbyteStreamStateMessage(
  stream: string,
  bookmark: StreamBookmark,
  recordCount: number,
): Record<string, unknown> {
  return {
    type: 'STATE',
    state: {
      type: 'STREAM',
      stream: { stream_descriptor: { name: stream }, stream_state: bookmark },
      sourceStats: { recordCount },
    },
  };
}

/** A SyncState as the list of STREAM states Airbyte would hand back to `read --state`. */
export function airbyteStateMessages(state: SyncState): Record<string, unknown>[] {
  return Object.entries(state.bookmarks).map(([stream, bookmark]) =>
    airbyteStreamStateMessage(stream, bookmark, 0),
  );
}

/**
 * Reads `read --state` into a SyncState. Accepts what the platform has sent over the years: a list
 * of STREAM states (current), a GLOBAL state, a LEGACY `data` blob, a bare legacy object (per-stream
 * map or Singer-shaped `{"bookmarks": ...}`), whole STATE messages, or nothing.
 */
export function syncStateFromAirbyte(raw: unknown, specs: readonly StreamSpec[]): SyncState {
  const keyOf = new Map(specs.map((spec) => [spec.name, spec.replicationKey]));
  const state: SyncState = { bookmarks: {} };
  const put = (stream: unknown, value: unknown): void => {
    if (typeof stream !== 'string' || stream === '')
      throw invalid('a stream state has no stream_descriptor.name.');
    if (!keyOf.has(stream)) return;
    const bookmark = parseBookmark(value, stream, keyOf.get(stream));
    if (bookmark) state.bookmarks[stream] = bookmark;
  };
  const streamState = (entry: unknown): void => {
    if (!isRecord(entry) || !isRecord(entry.stream_descriptor))
      throw invalid('a STREAM state lacks stream_descriptor.');
    put(entry.stream_descriptor.name, entry.stream_state);
  };
  const legacy = (data: unknown): void => {
    if (data === null || data === undefined) return;
    if (!isRecord(data)) throw invalid('LEGACY state data must be an object.');
    const map = isRecord(data.bookmarks) ? data.bookmarks : data;
    for (const [stream, value] of Object.entries(map)) if (keyOf.has(stream)) put(stream, value);
  };
  const one = (message: unknown): void => {
    let value = message;
    // A whole AirbyteMessage wraps the state under `state`.
    if (isRecord(value) && value.type === 'STATE' && isRecord(value.state)) value = value.state;
    if (!isRecord(value)) throw invalid('each state must be an object.');
    if (value.type === 'STREAM' || (value.type === undefined && isRecord(value.stream)))
      streamState(value.stream);
    else if (value.type === 'GLOBAL' || (value.type === undefined && isRecord(value.global))) {
      const global = value.global;
      if (!isRecord(global) || !Array.isArray(global.stream_states))
        throw invalid('a GLOBAL state lacks stream_states.');
      for (const entry of global.stream_states) streamState(entry);
    } else if (value.type === 'LEGACY' || (value.type === undefined && 'data' in value)) legacy(value.data);
    else if (value.type === undefined) legacy(value);
    else
      throw invalid(`unknown state type ${JSON.stringify(value.type)}; expected STREAM, GLOBAL or LEGACY.`);
  };
  if (raw === null || raw === undefined) return state;
  if (Array.isArray(raw)) for (const message of raw) one(message);
  else one(raw);
  return state;
}
