import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDuckDb } from '../../src/destinations/duckdb/duckdb-connection.js';
import { duckDbDialect } from '../../src/destinations/duckdb/duckdb-dialect.js';
import { createDuckDbSink } from '../../src/destinations/duckdb/duckdb-sink.js';
import { FLUSH_ROWS } from '../../src/destinations/duckdb/staging-appenders.js';
import { createStagingSql } from '../../src/destinations/sql/sql-statements.js';
import type { ColumnInfo } from '../../src/destinations/sql/table-layout.js';
import type { RunInfo, StreamSpec } from '../../src/engine/sink.js';
import { makeDuckDbHarness, queryDuckDb } from './duckdb-harness.js';
import { describeSinkContract } from './sink-contract.js';

describeSinkContract('duckdb', makeDuckDbHarness);

const run: RunInfo = { runId: 'r1', startedAt: new Date(), streams: [] };
const done = { status: 'failed', finishedAt: new Date(), streams: {} } as const;

describe('duckdb sink destination', () => {
  let directory = '';
  let child: ChildProcess | undefined;

  afterEach(async () => {
    child?.kill('SIGKILL');
    if (child && child.exitCode === null) await once(child, 'exit');
    child = undefined;
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('touches nothing before open()', async () => {
    directory = await mkdtemp(join(tmpdir(), 'cio-sync-duckdb-'));
    const path = join(directory, 'lazy.duckdb');
    const sink = createDuckDbSink({ path });
    await sink.close(done);
    expect(existsSync(path)).toBe(false);
  });

  it('explains a missing directory', async () => {
    directory = await mkdtemp(join(tmpdir(), 'cio-sync-duckdb-'));
    const path = join(directory, 'no', 'such', 'dir', 'sync.duckdb');
    const sink = createDuckDbSink({ path });
    await expect(sink.open(run)).rejects.toMatchObject({
      code: 'CIO_ERR_DESTINATION',
      message: expect.stringMatching(/no\/such\/dir.*does not exist.*Create it/),
    });
    await sink.close(done);
  });

  it('explains a path where no file can be written', async () => {
    // /proc refuses new files even to root, unlike a chmod-ed directory.
    const sink = createDuckDbSink({ path: '/proc/cio-sync.duckdb' });
    await expect(sink.open(run)).rejects.toMatchObject({
      code: 'CIO_ERR_DESTINATION',
      message: expect.stringContaining('/proc/cio-sync.duckdb'),
    });
  });

  it('maps the file lock held by another process to a destination error', async () => {
    directory = await mkdtemp(join(tmpdir(), 'cio-sync-duckdb-'));
    const path = join(directory, 'locked.duckdb');
    const holder = `const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(${JSON.stringify(path)});
      await instance.connect();
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);`;
    child = spawn(process.execPath, ['--input-type=module', '-e', holder], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(chunk.toString()).toContain('ready');
    const sink = createDuckDbSink({ path });
    await expect(sink.open(run)).rejects.toMatchObject({
      code: 'CIO_ERR_DESTINATION',
      message: expect.stringMatching(/Another cio-sync run is using .*locked\.duckdb.*wait for it to finish/),
    });
    child.kill('SIGKILL');
    await once(child, 'exit');
    child = undefined;
    await sink.open(run);
    await sink.close(done);
    expect(await queryDuckDb(path, 'SELECT status FROM _cio_sync_runs')).toEqual([{ status: 'failed' }]);
  });

  it('declares no primary-key index, and still upserts into a table an earlier version gave one', async () => {
    directory = await mkdtemp(join(tmpdir(), 'cio-sync-duckdb-'));
    const path = join(directory, 'legacy.duckdb');
    const spec: StreamSpec = {
      name: 'items',
      primaryKey: ['id'],
      method: 'incremental',
      replicationKey: 'updated',
      schema: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: ['string', 'null'] },
          updated: { type: 'integer' },
          _cio_synced_at: { type: ['string', 'null'], format: 'date-time' },
          _cio_deleted_at: { type: ['string', 'null'], format: 'date-time' },
        },
      },
    };
    const open = async () => {
      const sink = createDuckDbSink({ path });
      await sink.open({ ...run, streams: [spec] });
      return sink;
    };
    let sink = await open();
    await sink.write(spec, [{ id: 1, name: 'a', updated: 1 }], {});
    await sink.close(done);
    const constraints =
      "SELECT count(*)::INTEGER AS n FROM duckdb_constraints() WHERE table_name = 'items' AND constraint_type = 'PRIMARY KEY'";
    expect(await queryDuckDb(path, constraints)).toEqual([{ n: 0 }]);

    // What earlier versions created: the same table with its primary key declared.
    await queryDuckDb(path, 'ALTER TABLE items ADD PRIMARY KEY (id)');
    expect(await queryDuckDb(path, constraints)).toEqual([{ n: 1 }]);
    sink = await open();
    const result = await sink.write(
      spec,
      [
        { id: 1, name: 'A', updated: 2 },
        { id: 2, name: 'b', updated: 2 },
      ],
      {},
    );
    await sink.close(done);
    expect(result).toMatchObject({ written: 2, unchanged: 0 });
    expect(await queryDuckDb(path, 'SELECT id, name FROM items ORDER BY id')).toEqual([
      { id: 1, name: 'A' },
      { id: 2, name: 'b' },
    ]);
  });

  it('runs work that ran out of its small memory budget once more with headroom, then restores the budget', async () => {
    directory = await mkdtemp(join(tmpdir(), 'cio-sync-duckdb-'));
    const session = await connectDuckDb(join(directory, 'memory.duckdb'));
    const limit = async () => (await session.query("SELECT current_setting('memory_limit') AS m")).rows[0]?.m;
    try {
      const headroom = session.withMemoryHeadroom?.bind(session);
      if (!headroom) throw new Error('the DuckDB session gives headroom');
      const budget = await limit();
      await session.query("SET memory_limit = '4MB'");
      let attempts = 0;
      // list() builds its result in memory, which DuckDB cannot spill to disk.
      const result = await headroom(async () => {
        attempts += 1;
        return session.query('SELECT length(list(range)) AS n FROM range(3000000)');
      });
      expect(attempts).toBe(2);
      expect(result.rows).toEqual([{ n: 3_000_000n }]);
      expect(await limit()).toBe(budget);
      // Any other failure is not retried.
      attempts = 0;
      const broken = headroom(async () => {
        attempts += 1;
        return session.query('SELECT * FROM no_such_table');
      });
      await expect(broken).rejects.toThrow(/no_such_table/);
      expect(attempts).toBe(1);
    } finally {
      await session.close();
    }
  });

  it('appends a staging flush that ran out of memory again, from the rows it kept, with headroom', async () => {
    directory = await mkdtemp(join(tmpdir(), 'cio-sync-duckdb-'));
    const session = await connectDuckDb(join(directory, 'flush.duckdb'));
    const limit = async () => (await session.query("SELECT current_setting('memory_limit') AS m")).rows[0]?.m;
    try {
      const budget = await limit();
      const columns: ColumnInfo[] = [
        { field: 'id', role: 'value', column: 'id', type: 'bigint' },
        { field: 'body', role: 'value', column: 'body', type: 'text' },
      ];
      await session.query(createStagingSql(duckDbDialect, 'flush_test', columns));
      const rows = Array.from({ length: FLUSH_ROWS }, (_, i) => [BigInt(i), `${i}:${'x'.repeat(2000)}`]);
      // Without a temporary directory nothing can spill: the flush needs the memory it lacks.
      await session.query("SET temp_directory = ''");
      await session.query("SET memory_limit = '2MB'");
      await session.loadStaging('flush_test', columns, rows.slice(0, 10));
      await session.loadStaging('flush_test', columns, rows.slice(10));
      await session.finishStaging?.('flush_test');
      const counted = await session.query(
        `SELECT count(*)::INTEGER AS n FROM ${duckDbDialect.stagingRef('flush_test')}`,
      );
      expect(counted.rows).toEqual([{ n: FLUSH_ROWS }]);
      expect(await limit()).toBe(budget);
    } finally {
      await session.close();
    }
  });
});
