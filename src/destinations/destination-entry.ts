import type { Destination } from '../config/destination.js';
import type { Sink } from '../engine/sink.js';
import type { QueryTable } from './sql/read-only-query.js';
import type { StateConnection } from './sql/saved-state.js';
import type { SqlDialect, SqlSession } from './sql/sql-dialect.js';

/** A session that writes beside a running sync (`cio-sync serve`), with the dialect it speaks. */
export interface SharedSession {
  dialect: SqlDialect;
  session: SqlSession;
}

/**
 * One engine's entry in the registry: all the rest of the program asks of a destination. An entry
 * module stays light (it is loaded at start-up); the engine's driver loads only in `load` and
 * `openState`.
 */
export interface DestinationEntry<D extends Destination> {
  /** Creates the sink. Nothing connects before the sink's open(). */
  load(destination: D): Promise<Sink>;
  /**
   * Throws CioError (CIO_ERR_DESTINATION) when the destination plainly cannot be written, without
   * creating or changing anything. Runs before the API is asked anything.
   */
  preflight(destination: D): void;
  /**
   * Connects to the saved state for `cio-sync state`, without taking the sync's lock or creating
   * anything; undefined when the destination does not exist yet (no file; no schema). `read` opens it read-only where
   * the engine can.
   */
  openState(destination: D, access: 'read' | 'write'): Promise<StateConnection | undefined>;
  /**
   * Runs one statement read-only for `cio-sync query` and returns its rows; creates nothing (a
   * missing DuckDB file is an error) and refuses text holding more than one statement.
   */
  query(destination: D, sql: string): Promise<QueryTable>;
  /**
   * Connects for writing without taking the sync's lock, so a sync of the same process (DuckDB
   * allows one writing process) or another run (PostgreSQL) can write beside it; creates the
   * database file or schema. For `cio-sync serve`'s own tables, which no sync touches.
   */
  openShared(destination: D): Promise<SharedSession>;
  /** The destination in words for messages: "the DuckDB database /abs/file", never a password. */
  describe(destination: D): string;
  /** The sync collects garbage early (cli/heap-growth.ts): measured to lower peak memory with this engine. */
  readonly tightHeap: boolean;
}
