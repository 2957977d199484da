import { existsSync } from 'node:fs';
import type { Sink } from '../../engine/sink.js';
import { createSqlSink } from '../sql/sql-sink.js';
import { connectDuckDb, describeDuckDb, loadDuckDb } from './duckdb-connection.js';
import { duckDbDialect } from './duckdb-dialect.js';

export interface DuckDbSinkOptions {
  /** The database file; created if missing (its directory must exist). */
  path: string;
}

/** A sink writing into a DuckDB file. Nothing is opened before `open()`. */
export function createDuckDbSink(opts: DuckDbSinkOptions): Sink {
  // Meanwhile the engine checks the key; open() reports a library that fails to load.
  loadDuckDb().catch(() => undefined);
  return createSqlSink({
    dialect: duckDbDialect,
    destination: describeDuckDb(opts.path),
    connect: () => connectDuckDb(opts.path),
    // A file that does not exist yet has no other run in it, and is not created before the key check.
    claim: async () => (existsSync(opts.path) ? connectDuckDb(opts.path) : undefined),
  });
}
