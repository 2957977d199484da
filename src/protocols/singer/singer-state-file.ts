import { isRecord } from '../../core/json.js';
import type { SyncState } from '../../core/state.js';
import type { StreamSpec } from '../../engine/sink.js';
import { describeKeys, notOurs, readProtocolStateFile } from '../shared/state-file.js';
import { syncStateFromSinger, unwrapSingerState } from './singer-state.js';

function singerStreamNames(raw: unknown, path: string): string[] {
  const value = unwrapSingerState(raw);
  if (!isRecord(value) || Object.keys(value).length === 0) return [];
  if (!('bookmarks' in value)) {
    throw notOurs(path, `it has no "bookmarks" but ${describeKeys(Object.keys(value))}`);
  }
  return isRecord(value.bookmarks) ? Object.keys(value.bookmarks) : [];
}

/** `tap --state FILE`: a Singer state of cio-sync (or of a compatible Customer.io tap), checked. */
export function readSingerStateFile(path: string, specs: readonly StreamSpec[]): SyncState {
  return readProtocolStateFile(path, specs, (raw) => singerStreamNames(raw, path), syncStateFromSinger);
}
