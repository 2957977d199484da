import pg from 'pg';
import { createPostgresSink } from '../../src/destinations/postgres/postgres-sink.js';
import { quoteIdentifier } from '../../src/destinations/sql/quote-identifier.js';
import type { Sink } from '../../src/engine/sink.js';
import type { Row } from '../../src/streams/types.js';
import type { SinkHarness } from './sink-contract.js';

export const POSTGRES_URL =
  process.env.CIO_SYNC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const INT8_OID = 20;

/** A client that reads int8 as numbers (bigints when too large), with `schema` first on the search path. */
export async function connectReader(schema: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: POSTGRES_URL,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (text: string) => (Number.isSafeInteger(Number(text)) ? Number(text) : BigInt(text))
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  await client.connect();
  await client.query(`SET search_path TO ${quoteIdentifier(schema)}`);
  return client;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Sinks on one schema (tests in a file share it and use distinct stream names). */
export function postgresHarnessFactory(schema: string): () => Promise<SinkHarness> {
  return async () => {
    const reader = await connectReader(schema);
    const sinks: Sink[] = [];
    const make = (): Sink => {
      const sink = createPostgresSink({ url: POSTGRES_URL, schema });
      sinks.push(sink);
      return sink;
    };
    return {
      sink: make(),
      sameDestination: make,
      async query(sql: string): Promise<Row[]> {
        return (await reader.query(sql)).rows as Row[];
      },
      async cleanup() {
        for (const sink of sinks)
          await sink.close({ status: 'succeeded', finishedAt: new Date(), streams: {} });
        await reader.end();
      },
    };
  };
}
