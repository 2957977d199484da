import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/config/destination.js';
import { accessSavedState, createDatabaseSink } from '../../src/destinations/registry.js';
import type { StreamSpec } from '../../src/engine/sink.js';
import { connectReader, dropSchema, POSTGRES_URL } from './postgres-harness.js';

const SCHEMA = `cio_state_test_${process.pid}`;
let directory = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cio-sync-state-'));
  await dropSchema(SCHEMA);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  await dropSchema(SCHEMA);
});

function spec(name: string): StreamSpec {
  return { name, primaryKey: ['id'], method: 'full_table', schema: { type: 'object', properties: {} } };
}

/** Saves a bookmark per stream through a sink, as a sync does. */
async function saveBookmarks(destination: Destination, bookmarks: Record<string, object>): Promise<void> {
  const sink = await createDatabaseSink(destination);
  const streams = Object.keys(bookmarks).map(spec);
  await sink.open({ runId: `state-${process.pid}`, startedAt: new Date(), streams });
  for (const stream of streams) await sink.saveBookmark(stream, bookmarks[stream.name] ?? {});
  await sink.close({ status: 'succeeded', finishedAt: new Date(), streams: {} });
}

const engines: { name: string; destination: () => Destination; exists: () => Promise<boolean> }[] = [
  {
    name: 'DuckDB',
    destination: () => ({ kind: 'duckdb', path: join(directory, 'state.duckdb') }),
    exists: async () => existsSync(join(directory, 'state.duckdb')),
  },
  {
    name: 'PostgreSQL',
    destination: () => ({ kind: 'postgres', url: POSTGRES_URL, schema: SCHEMA }),
    exists: async () => {
      const reader = await connectReader('public');
      try {
        const found = await reader.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [SCHEMA]);
        return found.rows.length > 0;
      } finally {
        await reader.end();
      }
    },
  },
];

describe.each(engines)('saved state in $name (cio-sync state)', (engine) => {
  it('refuses a destination never synced, and creates nothing', async () => {
    await expect(accessSavedState(engine.destination(), { kind: 'show' })).rejects.toMatchObject({
      code: 'CIO_ERR_DESTINATION',
      message: expect.stringMatching(/does not exist, so it holds no saved state/),
    });
    await expect(accessSavedState(engine.destination(), { kind: 'reset' })).rejects.toMatchObject({
      code: 'CIO_ERR_DESTINATION',
    });
    expect(await engine.exists()).toBe(false);
  });

  it('shows the bookmarks in stream order, and resets some or all of them, saying which', async () => {
    await saveBookmarks(engine.destination(), {
      topics: { full_table_completed_at: '2024-03-01T00:00:00.000Z' },
      campaigns: { replication_key_value: 1700000000, note: "it's" },
      segments: { offset: 'a' },
    });
    const shown = await accessSavedState(engine.destination(), { kind: 'show' });
    expect(Object.keys(shown.state.bookmarks)).toEqual(['campaigns', 'segments', 'topics']);
    expect(shown.state.bookmarks.campaigns).toEqual({ replication_key_value: 1700000000, note: "it's" });
    expect(shown.removed).toEqual([]);

    const afterOne = await accessSavedState(engine.destination(), {
      kind: 'reset',
      streams: ['segments', "it's"],
    });
    expect(Object.keys(afterOne.state.bookmarks)).toEqual(['campaigns', 'topics']);
    expect(afterOne.removed).toEqual(['segments']);
    expect((await accessSavedState(engine.destination(), { kind: 'show' })).state).toEqual(afterOne.state);

    expect(await accessSavedState(engine.destination(), { kind: 'reset' })).toEqual({
      state: { bookmarks: {} },
      removed: ['campaigns', 'topics'],
    });
  });
});
