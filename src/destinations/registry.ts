import { parseDestination } from '../config/destination.js';
import type { Sink } from '../engine/sink.js';

/**
 * The database sink for a `destination` setting (duckdb:<file> or postgres://...). Each engine's
 * driver is loaded only when chosen: the DuckDB binding alone costs a third of a second at start-up.
 */
export async function createDatabaseSink(destination: string, schema: string): Promise<Sink> {
  const parsed = parseDestination(destination);
  if (parsed.kind === 'duckdb') {
    const { createDuckDbSink } = await import('./duckdb/duckdb-sink.js');
    return createDuckDbSink({ path: parsed.path });
  }
  const { createPostgresSink } = await import('./postgres/postgres-sink.js');
  return createPostgresSink({ url: parsed.url, schema });
}
