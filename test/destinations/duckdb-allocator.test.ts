import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  DUCKDB_ALLOCATOR_CONF,
  DUCKDB_ALLOCATOR_ENV,
} from '../../src/destinations/duckdb/duckdb-connection.js';

const run = promisify(execFile);
const CONNECTION = fileURLToPath(
  new URL('../../dist/destinations/duckdb/duckdb-connection.js', import.meta.url),
);

/** Loads DuckDB the way a sync does, in a fresh process, runs one query, prints the variable. */
async function loadInChild(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const script = `
    const { loadDuckDb } = await import(${JSON.stringify(CONNECTION)});
    const { DuckDBInstance } = await loadDuckDb();
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    await connection.run('SELECT 1');
    process.stdout.write(String(process.env.${DUCKDB_ALLOCATOR_ENV}));`;
  const { [DUCKDB_ALLOCATOR_ENV]: _inherited, ...parent } = process.env;
  return run(process.execPath, ['--input-type=module', '-e', script], { env: { ...parent, ...env } });
}

describe("DuckDB's allocator setting", () => {
  it('is given to jemalloc before the library loads, which jemalloc accepts', async () => {
    const { stdout, stderr } = await loadInChild({});
    expect(stdout).toBe(DUCKDB_ALLOCATOR_CONF);
    expect(stderr).not.toContain('jemalloc');
  });

  it("keeps the user's own value, and jemalloc reads it when the library loads", async () => {
    // An invalid value makes jemalloc say so: proof that what is set before loading is what it reads.
    const { stdout, stderr } = await loadInChild({ [DUCKDB_ALLOCATOR_ENV]: 'narenas:not-a-number' });
    expect(stdout).toBe('narenas:not-a-number');
    expect(stderr).toContain('<jemalloc>: Invalid conf value: narenas:not-a-number');
  });
});
