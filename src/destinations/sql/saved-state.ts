import type { StreamBookmark, SyncState } from '../../core/state.js';
import type { SqlDialect, SqlSession } from './sql-dialect.js';
import { loadStateSql, resetStateSql, STATE_TABLE } from './sql-statements.js';

/** A connection to a destination's saved state outside a sync: no lock, nothing created. */
export interface StateConnection {
  readonly dialect: SqlDialect;
  query: SqlSession['query'];
  close(): Promise<void>;
}

export type StateAction = { kind: 'show' } | { kind: 'reset'; streams?: readonly string[] };

/** The bookmarks left after the action, and the tables whose bookmark a reset deleted. */
export interface SavedStateAnswer {
  state: SyncState;
  removed: string[];
}

/**
 * Reads, or deletes, the bookmarks kept in `_cio_state` (for `cio-sync state show|reset`).
 * `streams` limits a reset to those tables. A destination whose state table does not exist yet has
 * no bookmarks.
 */
export async function accessStateTable(
  connection: StateConnection,
  action: StateAction,
): Promise<SavedStateAnswer> {
  const { dialect } = connection;
  const exists = dialect.introspection.tableExists(STATE_TABLE);
  if ((await connection.query(exists.sql, exists.params)).rows.length === 0) {
    return { state: { bookmarks: {} }, removed: [] };
  }
  const before = await loadBookmarks(connection);
  if (action.kind === 'show') return { state: before, removed: [] };
  const streams = action.streams;
  await connection.query(
    resetStateSql(dialect, streams ? streams.length : 'all'),
    streams ? [...streams] : [],
  );
  const after = await loadBookmarks(connection);
  const removed = Object.keys(before.bookmarks).filter((stream) => !(stream in after.bookmarks));
  return { state: after, removed };
}

async function loadBookmarks(connection: StateConnection): Promise<SyncState> {
  const saved = await connection.query(loadStateSql(connection.dialect));
  const state: SyncState = { bookmarks: {} };
  for (const row of saved.rows)
    state.bookmarks[String(row.stream)] = JSON.parse(String(row.bookmark)) as StreamBookmark;
  return state;
}
