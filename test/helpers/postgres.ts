import pg from 'pg';
import type { DbRow } from './duckdb.js';

export const PG_URL = process.env.CIO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function withPg<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Reads whole tables of a schema as JSON values (timestamps as RFC 3339 text, jsonb parsed). */
export function readPostgres(schema: string, tables: readonly string[]): Promise<Record<string, DbRow[]>> {
  return withPg(async (client) => {
    const out: Record<string, DbRow[]> = {};
    for (const table of tables) {
      const result = await client.query(`SELECT row_to_json(t)::text AS j FROM "${schema}"."${table}" t`);
      out[table] = result.rows.map((r: { j: string }) => JSON.parse(r.j) as DbRow);
    }
    return out;
  });
}

export function queryPostgres(sql: string): Promise<DbRow[]> {
  return withPg(async (client) => (await client.query(sql)).rows as DbRow[]);
}

export function dropSchema(schema: string): Promise<void> {
  return withPg(async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
}

/** Copies every table of `from` (columns, keys, defaults and rows) into a new schema `to`. */
export function copySchema(from: string, to: string): Promise<void> {
  return withPg(async (client) => {
    const tables = await client.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
      [from],
    );
    await client.query('BEGIN');
    await client.query(`CREATE SCHEMA "${to}"`);
    for (const { table_name: table } of tables.rows as { table_name: string }[]) {
      await client.query(`CREATE TABLE "${to}"."${table}" (LIKE "${from}"."${table}" INCLUDING ALL)`);
      await client.query(`INSERT INTO "${to}"."${table}" SELECT * FROM "${from}"."${table}"`);
    }
    await client.query('COMMIT');
  });
}
