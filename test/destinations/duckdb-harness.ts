import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBType } from '@duckdb/node-api';
import { createDuckDbSink } from '../../src/destinations/duckdb/duckdb-sink.js';
import type { Sink } from '../../src/engine/sink.js';
import type { Row } from '../../src/streams/types.js';
import type { SinkHarness } from './sink-contract.js';

/**
 * Reads a DuckDB file the way the contract expects. The instance cache hands back the sink's own
 * instance while the sink has the file open, so reading never opens the file a second time.
 */
export async function queryDuckDb(path: string, sql: string): Promise<Row[]> {
  const instance = await DuckDBInstance.fromCache(path);
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    const types = reader.columnTypes();
    const names = reader.columnNames();
    return reader
      .getRowObjectsJS()
      .map((row) => Object.fromEntries(names.map((name, index) => [name, plain(row[name], types[index])])));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function plain(value: unknown, type: DuckDBType | undefined): unknown {
  if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) return Number(value);
  if (typeof value === 'string' && type?.alias === 'JSON') return JSON.parse(value);
  return value;
}

/** A fresh database file per test, under the system temp directory. */
export async function makeDuckDbHarness(): Promise<SinkHarness> {
  const directory = await mkdtemp(join(tmpdir(), 'cio-sync-duckdb-'));
  const path = join(directory, 'sync.duckdb');
  const sinks: Sink[] = [];
  const make = (): Sink => {
    const sink = createDuckDbSink({ path });
    sinks.push(sink);
    return sink;
  };
  return {
    sink: make(),
    sameDestination: make,
    query: (sql) => queryDuckDb(path, sql),
    async cleanup() {
      for (const sink of sinks)
        await sink.close({ status: 'succeeded', finishedAt: new Date(), streams: {} });
      await rm(directory, { recursive: true, force: true });
    },
  };
}
