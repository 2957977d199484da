import { DuckDBInstance } from '@duckdb/node-api';

export type DbRow = Record<string, unknown>;

/** Reads whole tables of a DuckDB file as plain JSON values (timestamps as text, JSON parsed). */
export async function readDuckDb(path: string, tables: readonly string[]): Promise<Record<string, DbRow[]>> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const out: Record<string, DbRow[]> = {};
    for (const table of tables) {
      const result = await connection.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM "${table}" t`);
      out[table] = result.getRowObjectsJS().map((r) => JSON.parse(String(r.j)) as DbRow);
    }
    return out;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function queryDuckDb(path: string, sql: string): Promise<DbRow[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(sql);
    return result.getRowObjectsJson() as DbRow[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
