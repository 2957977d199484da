import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabaseSink,
  resolveConfig,
  runSync,
  type Simulator,
  type SyncResult,
  startSimulator,
} from '../../src/index.js';
import type { StreamName } from '../../src/streams/definitions.js';
import { type DbRow, queryDuckDb, readDuckDb } from '../helpers/duckdb.js';
import { planFromDestination } from '../helpers/plan.js';
import { dropSchema, PG_URL, queryPostgres, readPostgres } from '../helpers/postgres.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { expectedTables, expectLoadedMatchesTruth, expectTableMatches, keyOf } from '../helpers/truth.js';

/**
 * The tables read per newsletter while newsletters read partially (their head, newest first): the
 * children follow the parents that partial read returned, their read is partial too (nothing marked
 * deleted), and the next complete read of newsletters makes them exact again.
 */
const dir = scratchDir('partial-children');
type Rec = Record<string, unknown>;
type Sink = { kind: 'duckdb'; path: string } | { kind: 'postgres'; url: string; schema: string };
const CHILDREN = ['newsletter_contents', 'newsletter_test_groups'] as const;
const TABLES: StreamName[] = ['newsletters', ...CHILDREN];
const PATH = /^\/v1\/newsletters\/(\d+)\/(contents|test_groups)$/;

// scale 3 with lists growing like people: 360 newsletters; a partial read returns its first two pages (200).
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 37, scale: 3, catalogGrowth: 'linear' });
});
afterAll(async () => {
  await sim.stop();
});

interface SyncOptions {
  fullRefresh?: readonly StreamName[];
  signal?: AbortSignal;
  onPage?: (stream: string) => void;
}

async function sync(sink: Sink, options: SyncOptions = {}): Promise<SyncResult> {
  const config = resolveConfig({
    flags: { access_token: sim.token, base_url: sim.url, max_requests_per_second: 1000, batch_size_rows: 1 },
  });
  return runSync({
    config,
    sink: await createDatabaseSink(sink),
    selection: TABLES.map((name) => ({
      name,
      ...(options.fullRefresh?.includes(name) ? { fullRefresh: true } : {}),
    })),
    ...(options.signal ? { signal: options.signal } : {}),
    onEvent: (event) => {
      if (event.type === 'page') options.onPage?.(event.stream);
    },
  });
}

function succeeded(result: SyncResult): SyncResult {
  expect(result.status, JSON.stringify(result.streams)).toBe('succeeded');
  return result;
}

async function rows(sink: Sink, tables: readonly string[]): Promise<Record<string, DbRow[]>> {
  return sink.kind === 'duckdb' ? readDuckDb(sink.path, tables) : readPostgres(sink.schema, tables);
}

async function query(sink: Sink, sql: (table: (name: string) => string) => string): Promise<DbRow[]> {
  return sink.kind === 'duckdb'
    ? queryDuckDb(
        sink.path,
        sql((name) => name),
      )
    : queryPostgres(sql((name) => `"${sink.schema}".${name}`));
}

async function bookmark(sink: Sink, stream: string): Promise<Rec> {
  const found = await query(
    sink,
    (t) => `SELECT CAST(bookmark AS VARCHAR) AS b FROM ${t('_cio_state')} WHERE stream = '${stream}'`,
  );
  return JSON.parse(String(found[0]!.b)) as Rec;
}

/** How `_cio_sync_runs` recorded each table's read in the newest run. */
async function recordedReads(sink: Sink): Promise<Record<string, unknown>> {
  const found = await query(
    sink,
    (t) =>
      `SELECT CAST(streams AS VARCHAR) AS s FROM ${t('_cio_sync_runs')} ORDER BY started_at DESC LIMIT 1`,
  );
  const streams = JSON.parse(String(found[0]!.s)) as Record<string, { read?: string }>;
  return Object.fromEntries(Object.entries(streams).map(([name, s]) => [name, s.read]));
}

async function get(path: string): Promise<Rec> {
  const answer = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${sim.token}` } });
  expect(answer.status, path).toBe(200);
  return (await answer.json()) as Rec;
}

/** Every live newsletter id, listed over HTTP (the whole ground truth takes seconds at this scale). */
async function newsletterIds(): Promise<number[]> {
  const body = await get('/v1/newsletters?limit=1000');
  expect(body.next).toBe('');
  return (body.newsletters as Rec[]).map((n) => n.id as number);
}

/** The ids on the first `pages` pages of the newsletters asked newest first, as a partial read asks. */
async function headIds(pages: number): Promise<Set<number>> {
  const ids = new Set<number>();
  let start = '';
  for (let page = 0; page < pages; page++) {
    const body = await get(
      `/v1/newsletters?sort=desc&limit=100${start ? `&start=${encodeURIComponent(start)}` : ''}`,
    );
    for (const n of body.newsletters as Rec[]) ids.add(n.id as number);
    start = String(body.next ?? '');
  }
  return ids;
}

/** The children the API serves now for these newsletters, as the tables expect them. */
async function childTruth(ids: Iterable<number>): Promise<Record<string, Map<string, Rec>>> {
  const truth: Record<string, Rec[]> = { newsletter_contents: [], newsletter_test_groups: [] };
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const contents = await get(`/v1/newsletters/${id}/contents`);
      const groups = await get(`/v1/newsletters/${id}/test_groups`);
      for (const c of (contents.contents as Rec[] | null) ?? [])
        truth.newsletter_contents!.push({ ...c, newsletter_id: id });
      for (const g of (groups.test_groups as Rec[] | null) ?? [])
        truth.newsletter_test_groups!.push({ ...g, newsletter_id: id });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return expectedTables(truth);
}

/** The newsletter ids whose children each child table asked for since log entry `from`. */
function childRequests(from: number): Record<string, number[]> {
  const asked: Record<string, number[]> = { newsletter_contents: [], newsletter_test_groups: [] };
  for (const entry of sim.requestLog().slice(from)) {
    const match = PATH.exec(entry.path);
    if (match)
      asked[match[2] === 'contents' ? 'newsletter_contents' : 'newsletter_test_groups']!.push(
        Number(match[1]),
      );
  }
  return asked;
}

function listRequests(from: number): Rec[] {
  return sim
    .requestLog()
    .slice(from)
    .filter((e) => e.path === '/v1/newsletters')
    .map((e) => e.query);
}

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);
const live = (table: DbRow[]) => table.filter((r) => r._cio_deleted_at == null);

async function partialThenComplete(sink: Sink): Promise<void> {
  const first = succeeded(await sync(sink));
  for (const name of TABLES) expect(first.streams[name]?.read, name).toBe('complete');
  const before = new Set(await newsletterIds());
  const firstFull = (await bookmark(sink, 'newsletter_contents')).last_full_read_at;
  expect(firstFull).toBeDefined();

  sim.advance({ seconds: 3600, updateFraction: 0.3, addFraction: 0.02, deleteFraction: 0.02 });
  const after = await newsletterIds();
  const added = after.filter((id) => !before.has(id));
  expect(added.length).toBeGreaterThan(0);
  const from = sim.requestLog().length;
  const second = succeeded(await sync(sink));
  expect(second.streams.newsletters?.read).toBe('partial');
  // Only the head read's own pages: no child lists every newsletter itself.
  const lists = listRequests(from);
  expect(lists.every((q) => q.sort === 'desc')).toBe(true);
  const head = await headIds(lists.length);
  expect(head.size).toBeLessThan(after.length * 0.6);
  for (const id of added) expect(head.has(id), `new newsletter ${id} in the head`).toBe(true);
  const asked = childRequests(from);
  for (const name of CHILDREN) {
    expect(second.streams[name]?.read, name).toBe('partial');
    expect(sorted(asked[name]!), `${name}: one request per newsletter the head returned`).toEqual(
      sorted(head),
    );
    expect(second.streams[name]?.requests).toBe(head.size);
    const saved = await bookmark(sink, name);
    expect(saved.last_read).toBe('partial');
    expect(saved.last_full_read_at).toBe(firstFull);
    expect(saved.resume).toBeUndefined();
  }
  expect(await recordedReads(sink)).toMatchObject({
    newsletters: 'partial',
    newsletter_contents: 'partial',
    newsletter_test_groups: 'partial',
  });

  // The head's children are exact; nothing is marked deleted, though some children are gone.
  const fullTruth = await childTruth(after);
  const headTruth = Object.fromEntries(
    CHILDREN.map((name) => [
      name,
      new Map([...fullTruth[name]!].filter(([, r]) => head.has(r.newsletter_id as number))),
    ]),
  );
  const loaded = await rows(sink, CHILDREN);
  for (const name of CHILDREN) {
    const table = loaded[name]!;
    expect(
      table.filter((r) => r._cio_deleted_at != null),
      `${name}: marked deleted`,
    ).toEqual([]);
    // Every child the head's newsletters have now, equal (a child they dropped stays, unmarked).
    const ofHead = table.filter((r) => head.has(r.newsletter_id as number));
    expectTableMatches(
      name,
      ofHead.filter((r) => headTruth[name]!.has(keyOf(name, r))),
      headTruth[name]!,
    );
    const addedRows = ofHead.filter((r) => added.includes(r.newsletter_id as number));
    expect(addedRows.length, `${name}: children of new newsletters`).toBeGreaterThan(0);
    const stale = live(table).filter((r) => !fullTruth[name]!.has(keyOf(name, r)));
    expect(stale.length, `${name}: gone from the API, waiting for the complete read`).toBeGreaterThan(0);
  }

  // A complete read of newsletters makes its children read completely: exact, deletions marked.
  const completeFrom = sim.requestLog().length;
  const third = succeeded(await sync(sink, { fullRefresh: ['newsletters'] }));
  const all = childRequests(completeFrom);
  for (const name of CHILDREN) {
    expect(third.streams[name]?.read, name).toBe('complete');
    expect(sorted(all[name]!)).toEqual(sorted(after));
    expect((await bookmark(sink, name)).last_read).toBe('complete');
  }
  const exact = await rows(sink, CHILDREN);
  expectLoadedMatchesTruth(exact, { ...truthLists(fullTruth) });
  for (const name of CHILDREN) {
    expect(exact[name]!.filter((r) => r._cio_deleted_at != null).length, name).toBeGreaterThan(0);
  }
}

function truthLists(tables: Record<string, Map<string, Rec>>): Record<string, Rec[]> {
  return Object.fromEntries(Object.entries(tables).map(([name, map]) => [name, [...map.values()]]));
}

describe('tables read per newsletter while newsletters read partially', () => {
  it('read only the parents the partial read returned, partially, into DuckDB', async () => {
    await partialThenComplete({ kind: 'duckdb', path: join(dir, 'children.duckdb') });
  });

  it('read only the parents the partial read returned, partially, into PostgreSQL', async () => {
    const schema = 'cio_partial_children';
    await dropSchema(schema);
    try {
      await partialThenComplete({ kind: 'postgres', url: PG_URL, schema });
    } finally {
      await dropSchema(schema);
    }
  });

  it('resume an interrupted partial read after the last parent committed; --full-refresh reads every parent', async () => {
    const sink: Sink = { kind: 'duckdb', path: join(dir, 'resume.duckdb') };
    succeeded(await sync(sink));
    sim.advance({ seconds: 3600, addFraction: 0.02, updateFraction: 0.3 });
    // Interrupted once newsletter_contents committed its first page (50 newsletters).
    const stop = new AbortController();
    const interrupted = await sync(sink, {
      signal: stop.signal,
      onPage: (stream) => {
        if (stream === 'newsletter_contents') stop.abort();
      },
    });
    expect(interrupted.status).toBe('failed');
    expect(interrupted.streams.newsletters?.read).toBe('partial');
    const resume = (await bookmark(sink, 'newsletter_contents')).resume as Rec & { position: Rec };
    expect(resume.since).toBeDefined();
    const after = resume.position.after_parent as number;
    expect(typeof after).toBe('number');

    const from = sim.requestLog().length;
    const resumed = succeeded(await sync(sink));
    const lists = listRequests(from);
    const head = await headIds(lists.length);
    expect(resumed.streams.newsletter_contents).toMatchObject({ read: 'partial', resumed: true });
    const rest = sorted([...head].filter((id) => id > after));
    expect(rest.length).toBeGreaterThan(0);
    expect(sorted(childRequests(from).newsletter_contents!)).toEqual(rest);
    expect((await bookmark(sink, 'newsletter_contents')).last_read).toBe('partial');

    // --full-refresh of a child alone: newsletters still read partially, the child lists every one.
    const forcedFrom = sim.requestLog().length;
    const forced = succeeded(await sync(sink, { fullRefresh: ['newsletter_contents'] }));
    expect(forced.streams.newsletters?.read).toBe('partial');
    expect(forced.streams.newsletter_contents?.read).toBe('complete');
    expect(forced.streams.newsletter_test_groups?.read).toBe('partial');
    const ids = await newsletterIds();
    expect(sorted(childRequests(forcedFrom).newsletter_contents!)).toEqual(sorted(ids));
    expect(listRequests(forcedFrom).some((q) => q.sort === undefined)).toBe(true);
    const contents = (await rows(sink, ['newsletter_contents'])).newsletter_contents!;
    expectTableMatches('newsletter_contents', live(contents), (await childTruth(ids)).newsletter_contents!);
  });

  it('read every parent themselves, completely, when the read of newsletters fails', async () => {
    const sink: Sink = { kind: 'duckdb', path: join(dir, 'parent-failed.duckdb') };
    succeeded(await sync(sink));
    sim.advance({ seconds: 3600, addFraction: 0.02, deleteFraction: 0.02 });
    sim.injectFault({ kind: 'repeat_cursor', path: '/v1/newsletters', nth: [2] });
    const from = sim.requestLog().length;
    const run = await sync(sink, { fullRefresh: ['newsletters'] });
    sim.clearFaults();
    expect(run.streams.newsletters?.status).toBe('failed');
    // The keys its first page showed are not all the parents: the children list them all.
    const ids = await newsletterIds();
    const asked = childRequests(from);
    const truth = await childTruth(ids);
    const loaded = await rows(sink, CHILDREN);
    for (const name of CHILDREN) {
      expect(run.streams[name], name).toMatchObject({ status: 'complete', read: 'complete' });
      expect(sorted(asked[name]!)).toEqual(sorted(ids));
    }
    expectLoadedMatchesTruth(loaded, truthLists(truth));
  });

  it('cio-sync plan estimates the partial child read from the last one', async () => {
    const path = join(dir, 'plan.duckdb');
    const sink: Sink = { kind: 'duckdb', path };
    succeeded(await sync(sink));
    sim.advance({ seconds: 3600, addFraction: 0.02 });
    const second = succeeded(await sync(sink));
    sim.advance({ seconds: 3600, addFraction: 0.02 });
    const config = resolveConfig({
      flags: { access_token: sim.token, base_url: sim.url, destination: `duckdb:${path}` },
    });
    const planned = await planFromDestination(config, ['newsletter_contents', 'newsletters'], false);
    expect(planned.tables[0]).toMatchObject({
      name: 'newsletter_contents',
      scope: { kind: 'partial' },
      source: 'last run',
      requests: second.streams.newsletter_contents?.requests,
    });
    // Without newsletters in the run, the child reads completely.
    const alone = await planFromDestination(config, ['newsletter_contents'], false);
    expect(alone.tables[0]?.scope.kind).toBe('complete');
  });
});
