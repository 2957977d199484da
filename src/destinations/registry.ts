import type { Destination } from '../config/destination.js';
import { CioError } from '../core/errors.js';
import type { SyncState } from '../core/state.js';
import type { Sink, StreamSpec } from '../engine/sink.js';
import type { DestinationEntry } from './destination-entry.js';
import { duckDbDestination } from './duckdb/duckdb-destination.js';
import { postgresDestination } from './postgres/postgres-destination.js';
import { createEventStore, type EventStore } from './sql/event-store.js';
import type { QueryTable } from './sql/read-only-query.js';
import { lastRunRequests, recentRunStreams } from './sql/run-history.js';
import { accessStateTable, type SavedStateAnswer, type StateAction } from './sql/saved-state.js';

/** What `cio-sync serve` writes through: the append-once table of `openEventStore`. */
export {
  type AppendRow,
  type EventStore,
  REJECTED_EVENTS_TABLE,
  type SetAsideBody,
} from './sql/event-store.js';

/** Every kind of destination and its engine: a new engine is one more entry here. */
const ENTRIES: { readonly [K in Destination['kind']]: DestinationEntry<Extract<Destination, { kind: K }>> } =
  {
    duckdb: duckDbDestination,
    postgres: postgresDestination,
  };

function entryFor<D extends Destination>(destination: D): DestinationEntry<D> {
  // The mapped type above pairs each kind with its entry; TypeScript cannot follow that through a union.
  return ENTRIES[destination.kind] as unknown as DestinationEntry<D>;
}

/** The database sink for a destination. Each engine's driver is loaded only when chosen. */
export function createDatabaseSink(destination: Destination): Promise<Sink> {
  return entryFor(destination).load(destination);
}

/**
 * Opens `cio-sync serve`'s append-once table `table` beside any sync of the same destination (no
 * lock taken; the database file or schema is created).
 */
export async function openEventStore(destination: Destination, table: StreamSpec): Promise<EventStore> {
  const { dialect, session } = await entryFor(destination).openShared(destination);
  return createEventStore(dialect, session, table);
}

/** Throws CioError when the destination plainly cannot be written; creates and changes nothing. */
export function preflightDestination(destination: Destination): void {
  entryFor(destination).preflight(destination);
}

/** Whether a sync into this destination should keep the process's heap small. */
export function wantsTightHeap(destination: Destination): boolean {
  return entryFor(destination).tightHeap;
}

/**
 * Shows, or resets, the bookmarks saved in the destination: what is left, and what a reset deleted.
 * A destination that does not exist (no file, no schema) is an error, and is not created.
 */
export async function accessSavedState(
  destination: Destination,
  action: StateAction,
): Promise<SavedStateAnswer> {
  const connection = await entryFor(destination).openState(
    destination,
    action.kind === 'show' ? 'read' : 'write',
  );
  if (connection === undefined) {
    throw new CioError(
      'CIO_ERR_DESTINATION',
      `${entryFor(destination).describe(destination)} does not exist, so it holds no saved state. Check the destination (--destination, CIO_DESTINATION or the config file${destination.kind === 'postgres' ? ', and --schema' : ''}).`,
    );
  }
  try {
    return await accessStateTable(connection, action);
  } finally {
    await connection.close();
  }
}

/** Runs one read-only statement against the destination (`cio-sync query`). */
export function queryDestination(destination: Destination, sql: string): Promise<QueryTable> {
  return entryFor(destination).query(destination, sql);
}

/**
 * Each table's requests in the destination's last successful run, for the progress view's estimate;
 * undefined when there is none or it cannot be read now (the sync itself then reports why).
 */
export async function readLastRunRequests(
  destination: Destination,
): Promise<Record<string, number> | undefined> {
  try {
    const connection = await entryFor(destination).openState(destination, 'read');
    if (connection === undefined) return undefined;
    try {
      return await lastRunRequests(connection);
    } finally {
      await connection.close();
    }
  } catch {
    return undefined;
  }
}

/** What `cio-sync plan` reads from a destination: the saved state and the recent runs' stats. */
export interface RunHistory {
  state: SyncState;
  runs: Record<string, { status?: string; read?: string; requests: number }>[];
}

/**
 * The saved state and recent runs of a destination, read without a lock and creating nothing;
 * undefined when the destination does not exist yet (a first sync).
 */
export async function readRunHistory(destination: Destination): Promise<RunHistory | undefined> {
  const connection = await entryFor(destination).openState(destination, 'read');
  if (connection === undefined) return undefined;
  try {
    const { state } = await accessStateTable(connection, { kind: 'show' });
    return { state, runs: await recentRunStreams(connection) };
  } finally {
    await connection.close();
  }
}
