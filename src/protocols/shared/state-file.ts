import { readJsonFile } from '../../config/json-file.js';
import { CioError } from '../../core/errors.js';
import type { SyncState } from '../../core/state.js';
import type { StreamSpec } from '../../engine/sink.js';
import { getDefinition, isStreamName } from '../../streams/definitions.js';
import { checkResumePosition } from '../../streams/readers/index.js';

export function notOurs(path: string, why: string): CioError {
  return new CioError(
    'CIO_ERR_STATE',
    `The state file ${path} was not written by this version of cio-sync (another tool, or a newer cio-sync): ${why}. Pass the last state of a cio-sync run, or no --state to read from the start date.`,
  );
}

export function describeKeys(keys: readonly string[]): string {
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
      checkResumePosition(getDefinition(stream), position);
    } catch {
      throw notOurs(
        path,
        `${stream} would resume at ${JSON.stringify(position).slice(0, 80)}, a position this version cannot read`,
      );
    }
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

/**
 * A protocol's state file, checked: it must name our tables, and its bookmarks must mean what they
 * mean in this version. `streamNames` lists the streams the raw state names, in the protocol's shape.
 */
export function readProtocolStateFile(
  path: string,
  specs: readonly StreamSpec[],
  streamNames: (raw: unknown) => string[],
  toState: (raw: unknown, specs: readonly StreamSpec[]) => SyncState,
): SyncState {
  const raw = readJsonFile(path, 'state', 'CIO_ERR_STATE');
  checkNames(streamNames(raw), path);
  const state = naming(path, () => toState(raw, specs));
  checkBookmarks(state, specs, path);
  return state;
}
