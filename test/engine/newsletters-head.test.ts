import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TablePlan } from '../../src/engine/plan.js';
import {
  createDatabaseSink,
  resolveConfig,
  runSync,
  type Simulator,
  type SyncEvent,
  startSimulator,
} from '../../src/index.js';
import { type DbRow, queryDuckDb, readDuckDb } from '../helpers/duckdb.js';
import { planFromDestination } from '../helpers/plan.js';
import { dropSchema, PG_URL, queryPostgres, readPostgres } from '../helpers/postgres.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { expectedTables, expectLoadedMatchesTruth, sameValue, type TruthLike } from '../helpers/truth.js';

/**
 * Newsletters between complete reads, through the simulator over loopback HTTP into real DuckDB
 * files and PostgreSQL: asked newest first (`sort=desc`) and read down to the newest `created`
 * loaded minus `messages_rescan_days`. Edits to older newsletters wait for the next complete read;
 * a server that ignores `sort` is read to the end.
 */
const DAY = 86_400;
const dir = scratchDir('newsletters-head');
type Rec = Record<string, unknown>;
type Sink = { kind: 'duckdb'; path: string } | { kind: 'postgres'; url: string; schema: string };

interface Run {
  read?: string;
  requests: number;
}

// scale 4 with lists growing like people: 480 newsletters over 400 days, five pages of 100 for a
// complete read.
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 29, scale: 4, catalogGrowth: 'linear' });
});
afterAll(async () => {
  await sim.stop();
});

async function sync(sink: Sink, fullRefresh = false, events: SyncEvent[] = []): Promise<Run> {
  const config = resolveConfig({
    flags: { access_token: sim.token, base_url: sim.url, max_requests_per_second: 1000 },
  });
  const result = await runSync({
    config,
    sink: await createDatabaseSink(sink),
    selection: [{ name: 'newsletters', ...(fullRefresh ? { fullRefresh } : {}) }],
    onEvent: (event) => events.push(event),
  });
  expect(result.status, JSON.stringify(result.streams)).toBe('succeeded');
  return result.streams.newsletters as unknown as Run;
}

async function rows(sink: Sink): Promise<DbRow[]> {
  const loaded =
    sink.kind === 'duckdb'
      ? await readDuckDb(sink.path, ['newsletters'])
      : await readPostgres(sink.schema, ['newsletters']);
  return loaded.newsletters!;
}

async function bookmark(sink: Sink): Promise<Rec> {
  const sql = (table: string) =>
    `SELECT CAST(bookmark AS VARCHAR) AS b FROM ${table} WHERE stream = 'newsletters'`;
  const found =
    sink.kind === 'duckdb'
      ? await queryDuckDb(sink.path, sql('_cio_state'))
      : await queryPostgres(sql(`"${sink.schema}"._cio_state`));
  return JSON.parse(String(found[0]!.b)) as Rec;
}

/**
 * Every newsletter as the API serves it now, keyed by id: listed over HTTP in one request, since
 * the whole ground truth takes seconds to build at this scale.
 */
async function newsletters(): Promise<Map<string, Rec>> {
  const answer = await fetch(`${sim.url}/v1/newsletters?limit=1000`, {
    headers: { authorization: `Bearer ${sim.token}` },
  });
  const body = (await answer.json()) as { newsletters: Rec[]; next: string };
  expect(body.next).toBe('');
  return expectedTables({ newsletters: body.newsletters }).newsletters!;
}

/** Whether a loaded row holds every field of `record` as the API sends it. */
function holds(row: DbRow | undefined, record: Rec): boolean {
  return row !== undefined && Object.entries(record).every(([field, value]) => sameValue(row[field], value));
}

/** The queries of the newsletters list requests since log entry `from`. */
function asked(from: number): Record<string, string>[] {
  return sim
    .requestLog()
    .slice(from)
    .filter((e) => e.path === '/v1/newsletters')
    .map((e) => e.query);
}

async function expectExact(sink: Sink): Promise<void> {
  const truth: TruthLike = { newsletters: [...(await newsletters()).values()] };
  expectLoadedMatchesTruth({ newsletters: await rows(sink) }, truth);
}

/**
 * First sync, an advance, a partial read: new newsletters and edits inside the window are loaded in
 * far fewer requests than a complete read; an edit outside it waits for the next complete read.
 */
async function partialThenComplete(sink: Sink): Promise<void> {
  const first = await sync(sink);
  expect(first.read).toBe('complete');
  const pages = Math.ceil((await newsletters()).size / 100);
  expect(first.requests).toBe(pages);
  const firstBookmark = await bookmark(sink);
  const before = await newsletters();

  sim.advance({ seconds: 3600, updateFraction: 0.3, addFraction: 0.02, deleteFraction: 0.02 });
  const after = await newsletters();
  const windowStart = Date.parse(String(firstBookmark.newest_time)) / 1000 - 7 * DAY;
  const from = sim.requestLog().length;
  const second = await sync(sink);
  expect(second.read).toBe('partial');
  // The head page (new and recent newsletters) and the page wholly older than the window.
  expect(second.requests).toBe(2);
  expect(second.requests).toBeLessThan(pages);
  expect(asked(from).every((q) => q.sort === 'desc')).toBe(true);
  const saved = await bookmark(sink);
  expect(saved.last_read).toBe('partial');
  // Older newsletters edited since keep an `updated` below the head's: the next complete read needs them.
  expect(saved.replication_key_value).toBe(firstBookmark.replication_key_value);

  const loaded = new Map((await rows(sink)).map((r) => [String(r.id), r]));
  let added = 0;
  let updatedInside = 0;
  let waiting = 0;
  for (const [id, now] of after) {
    const then = before.get(id);
    const changed = then !== undefined && JSON.stringify(then) !== JSON.stringify(now);
    if (then === undefined) added++;
    if ((now.created as number) >= windowStart) {
      expect(holds(loaded.get(id), now), `newsletters[${id}] inside the window`).toBe(true);
      if (changed) updatedInside++;
    } else if (changed) {
      // As the complete read loaded it, unless on the page that ended the read.
      const row = loaded.get(id);
      expect(holds(row, then) || holds(row, now), `newsletters[${id}] outside the window`).toBe(true);
      if (holds(row, then)) waiting++;
    }
  }
  expect(added).toBeGreaterThan(0);
  expect(updatedInside).toBeGreaterThan(0);
  expect(waiting).toBeGreaterThan(0);
  const gone = [...before.keys()].filter((id) => !after.has(id));
  expect(gone.length).toBeGreaterThan(0);
  for (const id of gone) expect(loaded.get(id)?._cio_deleted_at, `newsletters[${id}]`).toBeNull();

  // The next complete read (--full-refresh here) loads the edits outside the window.
  const third = await sync(sink, true);
  expect(third.read).toBe('complete');
  expect(third.requests).toBe(Math.ceil(after.size / 100));
  await expectExact(sink);
}

/** What `cio-sync plan` says the next sync of newsletters into a DuckDB file will ask. */
async function plan(path: string): Promise<TablePlan> {
  const config = resolveConfig({
    flags: { access_token: sim.token, base_url: sim.url, destination: `duckdb:${path}` },
  });
  return (await planFromDestination(config, ['newsletters'])).tables[0]!;
}

describe('newsletters between complete reads', () => {
  it('read their head newest first, into DuckDB', async () => {
    await partialThenComplete({ kind: 'duckdb', path: join(dir, 'head.duckdb') });
  });

  it('read their head newest first, into PostgreSQL', async () => {
    const schema = 'cio_newsletters_head';
    await dropSchema(schema);
    try {
      await partialThenComplete({ kind: 'postgres', url: PG_URL, schema });
    } finally {
      await dropSchema(schema);
    }
  });

  it('cio-sync plan estimates the head read, not the whole list', async () => {
    const sink: Sink = { kind: 'duckdb', path: join(dir, 'plan.duckdb') };
    await sync(sink);
    sim.advance({ seconds: 3600, addFraction: 0.02 });
    // No partial read yet: the first page asked newest first gives the rate of new newsletters.
    const probed = await plan(sink.path);
    expect(probed).toMatchObject({ scope: { kind: 'partial' }, source: 'probe', requests: 2 });
    expect((await sync(sink)).requests).toBe(2);
    expect(await plan(sink.path)).toMatchObject({ source: 'last run', requests: 2 });
  });

  it('are read to the end, still partially, from a server that ignores sort', async () => {
    const sink: Sink = { kind: 'duckdb', path: join(dir, 'ignores-sort.duckdb') };
    await sync(sink);
    sim.advance({ seconds: 3600, updateFraction: 0.3, addFraction: 0.02, deleteFraction: 0.02 });
    sim.injectFault({ kind: 'ignore_sort', path: '/v1/newsletters' });
    try {
      const from = sim.requestLog().length;
      const events: SyncEvent[] = [];
      const run = await sync(sink, false, events);
      expect(run.read).toBe('partial');
      expect(asked(from).every((q) => q.sort === 'desc')).toBe(true);
      // Oldest first: the read cannot tell where the window ends, so it reads every page.
      expect(run.requests).toBe(Math.ceil((await newsletters()).size / 100));
      const warned = events.some((e) => e.type === 'log' && /did not answer newest first/.test(e.message));
      expect(warned).toBe(true);
      expect((await bookmark(sink)).last_read).toBe('partial');
      await expectExact(sink);
    } finally {
      sim.clearFaults();
    }
  });
});
