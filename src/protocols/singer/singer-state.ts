import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { StreamBookmark, SyncState } from '../../core/state.js';
import type { StreamSpec } from '../../engine/sink.js';
import { parseBookmark } from '../shared/state-bookmark.js';

/** The value of a Singer STATE message, and the content of a `--state` file. */
export interface SingerStateValue {
  bookmarks: Record<string, StreamBookmark>;
  currently_syncing: string | null;
}

/** Peels the wrappers a state may arrive in: a whole STATE message, or Meltano's `singer_state`. */
export function unwrapSingerState(raw: unknown): unknown {
  let value = raw;
  for (let depth = 0; depth < 3 && isRecord(value); depth += 1) {
    if (isRecord(value.singer_state)) value = value.singer_state;
    else if (typeof value.type === 'string' && value.type.toUpperCase() === 'STATE' && 'value' in value) {
      value = value.value;
    } else break;
  }
  return value;
}

/**
 * Reads a Singer state (`--state FILE`, parsed JSON) into the engine's SyncState. Bookmarks of
 * streams not synced this time are kept as they are: every STATE we emit is the whole state.
 */
export function syncStateFromSinger(raw: unknown, specs: readonly StreamSpec[]): SyncState {
  const value = unwrapSingerState(raw);
  if (value === null || value === undefined) return { bookmarks: {} };
  if (!isRecord(value)) {
    throw new CioError('CIO_ERR_STATE', 'The Singer state must be a JSON object like {"bookmarks": {...}}.');
  }
  const bookmarksIn = value.bookmarks ?? {};
  if (!isRecord(bookmarksIn))
    throw new CioError('CIO_ERR_STATE', 'The state\'s "bookmarks" must be an object.');
  const keyOf = new Map(specs.map((spec) => [spec.name, spec.replicationKey]));
  const state: SyncState = { bookmarks: {} };
  for (const [stream, entry] of Object.entries(bookmarksIn)) {
    if (!keyOf.has(stream)) {
      if (isRecord(entry)) state.bookmarks[stream] = entry as StreamBookmark;
      continue;
    }
    const bookmark = parseBookmark(entry, stream, keyOf.get(stream));
    if (bookmark) state.bookmarks[stream] = bookmark;
  }
  const current = value.currently_syncing;
  if (typeof current === 'string' && current !== '') state.currently_syncing = current;
  return state;
}

/** The STATE value for a SyncState (a copy: later changes to the state do not alter what was sent). */
export function singerStateValue(state: SyncState): SingerStateValue {
  return { bookmarks: structuredClone(state.bookmarks), currently_syncing: state.currently_syncing ?? null };
}
