import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSink } from '../../src/destinations/postgres/postgres-sink.js';
import { quoteIdentifier as q } from '../../src/destinations/sql/quote-identifier.js';
import type { RunInfo, RunOutcome, StreamSpec } from '../../src/engine/sink.js';
import { connectReader, dropSchema, POSTGRES_URL, postgresHarnessFactory } from './postgres-harness.js';
import { describeSinkContract } from './sink-contract.js';

const SCHEMA = `cio_sink_test_${process.pid}`;

beforeAll(() => dropSchema(SCHEMA));
afterAll(() => dropSchema(SCHEMA));

describeSinkContract('postgres', postgresHarnessFactory(SCHEMA));

const run: RunInfo = { runId: 'pg-run', startedAt: new Date(), streams: [] };
const done: RunOutcome = { status: 'succeeded', finishedAt: new Date(), streams: {} };

describe('postgres sink destination', () => {
  it('connects to nothing before open(), then names host:port/db but never the password', async () => {
    const sink = createPostgresSink({
      url: 'postgres://postgres:pa55-w0rd-secret@127.0.0.1:1/test',
      schema: SCHEMA,
    });
    const failure = await sink.open(run).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'CIO_ERR_DESTINATION',
      message: expect.stringMatching(/127\.0\.0\.1:1\/test: connection refused/),
    });
    expect(String((failure as Error).message)).not.toContain('pa55-w0rd-secret');
    await sink.close(done);
  });

  it('explains a database that does not exist', async () => {
    const url = 'postgres://postgres:pa55-w0rd-secret@127.0.0.1:5432/cio_sync_no_such_db';
    const failure = await createPostgresSink({ url, schema: SCHEMA })
      .open(run)
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'CIO_ERR_DESTINATION',
      message: expect.stringContaining(
        '127.0.0.1:5432/cio_sync_no_such_db: database "cio_sync_no_such_db" does not exist',
      ),
    });
    expect(String((failure as Error).message)).not.toContain('pa55-w0rd-secret');
  });

  it('rejects a URL it cannot parse without echoing it', async () => {
    const sink = createPostgresSink({ url: 'not a url with s3cret', schema: SCHEMA });
    const failure = await sink.open(run).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'CIO_ERR_CONFIG' });
    expect(String((failure as Error).message)).not.toContain('s3cret');
  });

  it('claims a schema that does not exist without creating it (the key is checked next)', async () => {
    const schema = `${SCHEMA}_unclaimed`;
    const sink = createPostgresSink({ url: POSTGRES_URL, schema });
    await sink.claim?.();
    await sink.close(done);
    const reader = await connectReader(SCHEMA);
    try {
      const found = await reader.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(found.rows).toEqual([]);
    } finally {
      await reader.end();
    }
  });

  it('creates the schema, shortens names over 63 bytes deterministically, and locks per schema', async () => {
    const schema = `${SCHEMA}_long_${'s'.repeat(60)}`;
    const stream = `stream_${'t'.repeat(100)}`;
    const fields = [`f_${'x'.repeat(100)}`, `f_${'x'.repeat(99)}y`, `é${'é'.repeat(40)}`];
    const spec: StreamSpec = {
      name: stream,
      primaryKey: ['id'],
      method: 'full_table',
      schema: {
        properties: {
          id: { type: 'integer' },
          ...Object.fromEntries(fields.map((f) => [f, { type: 'string' }])),
        },
      },
    };
    const sink = createPostgresSink({ url: POSTGRES_URL, schema });
    const other = createPostgresSink({ url: POSTGRES_URL, schema: SCHEMA });
    let reader: Awaited<ReturnType<typeof connectReader>> | undefined;
    try {
      await sink.open(run);
      // A different schema is a different destination: both runs may proceed.
      await other.open({ ...run, runId: 'pg-run-other' });
      await sink.write(
        spec,
        [{ id: 1, [fields[0] ?? '']: 'a', [fields[1] ?? '']: 'b', [fields[2] ?? '']: 'c' }],
        {},
      );
      const actual = await createdSchema(schema);
      expect(Buffer.byteLength(actual)).toBeLessThanOrEqual(63);
      reader = await connectReader(actual);
      const mapped = await reader.query(
        'SELECT table_name, field, column_name FROM _cio_columns ORDER BY field',
      );
      const tables = new Set(mapped.rows.map((row) => String(row.table_name)));
      expect(tables.size).toBe(1);
      const table = [...tables][0] ?? '';
      expect(Buffer.byteLength(table)).toBeLessThanOrEqual(63);
      expect(table.startsWith('stream_ttt')).toBe(true);
      const columns = Object.fromEntries(
        mapped.rows.map((row) => [String(row.field), String(row.column_name)]),
      );
      const names = fields.map((field) => columns[field] ?? '');
      for (const name of names) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
      expect(new Set(names).size).toBe(3);
      const stored = await reader.query(`SELECT ${names.map(q).join(', ')} FROM ${q(table)}`);
      expect(Object.values(stored.rows[0] ?? {})).toEqual(['a', 'b', 'c']);
    } finally {
      await reader?.end();
      await sink.close(done);
      await other.close(done);
      await dropSchema(schema.slice(0, 63)).catch(() => undefined);
      const actual = await createdSchema(schema).catch(() => '');
      if (actual) await dropSchema(actual);
    }
  });
});

/** The schema PostgreSQL actually holds for a requested name (shortened when too long). */
async function createdSchema(requested: string): Promise<string> {
  const reader = await connectReader('public');
  try {
    const found = await reader.query(
      'SELECT nspname FROM pg_namespace WHERE left(nspname, 20) = left($1, 20) AND length(nspname) > 40',
      [requested],
    );
    expect(found.rows).toHaveLength(1);
    return String(found.rows[0]?.nspname);
  } finally {
    await reader.end();
  }
}

describe('postgres sink values PostgreSQL cannot store', () => {
  it('loads strings and JSON holding U+0000 with the character replaced, other escapes intact', async () => {
    const schema = `${SCHEMA}_nul`;
    await dropSchema(schema);
    const sink = createPostgresSink({ url: POSTGRES_URL, schema });
    const spec: StreamSpec = {
      name: 'nul_values',
      primaryKey: ['id'],
      method: 'full_table',
      schema: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          note: { type: ['string', 'null'] },
          data: { type: ['object', 'null'] },
          _cio_synced_at: { type: ['string', 'null'], format: 'date-time' },
          _cio_deleted_at: { type: ['string', 'null'], format: 'date-time' },
        },
      },
    };
    try {
      await sink.open(run);
      await sink.prepareStream(spec);
      await sink.write(
        spec,
        [{ id: 'a', note: 'x\u0000y', data: { k: 'p\u0000q', literal: '\\u0000 stays' } }],
        {},
      );
      await sink.close(done);
      const reader = await connectReader(schema);
      try {
        const rows = await reader.query(`SELECT note, data FROM ${q(schema)}.${q('nul_values')}`);
        expect(rows.rows).toEqual([{ note: 'x\uFFFDy', data: { k: 'p\uFFFDq', literal: '\\u0000 stays' } }]);
      } finally {
        await reader.end();
      }
    } finally {
      await dropSchema(schema);
    }
  });

  it('stages in UNLOGGED tables of the schema, dropped after their merge, at close, or (after a crash) at the next open', async () => {
    const schema = `${SCHEMA}_staging`;
    await dropSchema(schema);
    const spec: StreamSpec = {
      name: 'staged_items',
      primaryKey: ['id'],
      method: 'full_table',
      schema: { type: 'object', properties: { id: { type: 'integer' } } },
    };
    const stagingTables = async () => {
      const reader = await connectReader(schema);
      try {
        const found = await reader.query(
          // pg_class matched by schema too: other tests' staging tables of the same name live elsewhere.
          `SELECT table_name, relpersistence FROM information_schema.tables
           JOIN pg_class ON relname = table_name AND relnamespace = to_regnamespace(table_schema)
           WHERE table_schema = $1 AND table_name LIKE '\\_cio\\_stage\\_%' ORDER BY 1`,
          [schema],
        );
        return found.rows as { table_name: string; relpersistence: string }[];
      } finally {
        await reader.end();
      }
    };
    try {
      const abandoned = createPostgresSink({ url: POSTGRES_URL, schema });
      await abandoned.open(run);
      await abandoned.stage?.(spec, [{ id: 1 }], {});
      expect(await stagingTables()).toEqual([{ table_name: '_cio_stage_1', relpersistence: 'u' }]);
      // A batch never committed is dropped with its run.
      await abandoned.close(done);
      expect(await stagingTables()).toEqual([]);
      // What a run killed before its commit leaves behind.
      const reader = await connectReader(schema);
      await reader.query(`CREATE UNLOGGED TABLE ${q(schema)}.${q('_cio_stage_7')} (id bigint)`);
      await reader.end();

      const sink = createPostgresSink({ url: POSTGRES_URL, schema });
      await sink.open(run);
      expect(await stagingTables()).toEqual([]);
      await sink.write(spec, [{ id: 2 }], {});
      expect(await stagingTables()).toEqual([]);
      await sink.close(done);
    } finally {
      await dropSchema(schema);
    }
  });
});
