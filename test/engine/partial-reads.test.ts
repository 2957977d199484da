import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabaseSink,
  resolveConfig,
  runSync,
  type Simulator,
  type StreamName,
  startSimulator,
} from '../../src/index.js';
import { type DbRow, queryDuckDb, readDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { expectedTables, expectLoadedMatchesTruth, sameValue, type TruthLike } from '../helpers/truth.js';

/**
 * Reads of what changed, through the simulator over loopback HTTP and real DuckDB files: between
 * complete reads, messages are read from the newest loaded minus the rescan window, activities down
 * to the newest loaded, customers through the person-changing activities. What lies outside is
 * brought up to date, and deletions are marked, only by a complete read.
 */
const DAY = 86_400;
/** The simulator's default "now": activities after it are the advance's. */
const DEFAULT_NOW = 1_767_225_600;
const PERSON_CHANGES = new Set(['profile_create', 'attribute_change', 'profile_delete']);
const dir = scratchDir('partial-reads');
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 23, scale: 0.5 });
});
afterAll(async () => {
  await sim.stop();
});

type Rec = Record<string, unknown>;

async function sync(
  file: string,
  streams: StreamName[],
  extra: Record<string, unknown> = {},
  fullRefresh = false,
) {
  const config = resolveConfig({
    flags: { access_token: sim.token, base_url: sim.url, max_requests_per_second: 1000, ...extra },
  });
  const result = await runSync({
    config,
    sink: await createDatabaseSink({ kind: 'duckdb', path: file }),
    selection: streams.map((name) => (fullRefresh ? { name, fullRefresh } : { name })),
  });
  expect(result.status, JSON.stringify(result.streams)).toBe('succeeded');
  return result;
}

async function lastRun(file: string): Promise<Record<string, { read?: string; requests: number }>> {
  const rows = await queryDuckDb(
    file,
    'SELECT CAST(streams AS VARCHAR) AS s FROM _cio_sync_runs ORDER BY started_at DESC LIMIT 1',
  );
  return JSON.parse(String(rows[0]!.s)) as Record<string, { read?: string; requests: number }>;
}

async function bookmark(file: string, stream: string): Promise<Rec> {
  const rows = await queryDuckDb(
    file,
    `SELECT CAST(bookmark AS VARCHAR) AS b FROM _cio_state WHERE stream = '${stream}'`,
  );
  return JSON.parse(String(rows[0]!.b)) as Rec;
}

/** Whether a loaded row holds every field of `record` as the API sends it. */
function holds(row: DbRow | undefined, record: Rec): boolean {
  return row !== undefined && Object.entries(record).every(([field, value]) => sameValue(row[field], value));
}

function byKey(rows: DbRow[], key = 'id'): Map<string, DbRow> {
  return new Map(rows.map((r) => [String(r[key]), r]));
}

describe('messages and activities between complete reads', () => {
  it('update the window, leave older changes and deletions to the next complete read', async () => {
    const file = join(dir, 'feeds.duckdb');
    const streams: StreamName[] = ['messages', 'activities'];
    await sync(file, streams);
    const first = await lastRun(file);
    expect(first.messages!.read).toBe('complete');
    expect((await bookmark(file, 'messages')).last_read).toBe('complete');
    const before = expectedTables(sim.truth() as unknown as TruthLike);

    sim.advance({ seconds: 3600, updateFraction: 0.3, addFraction: 0.1, deleteFraction: 0.1 });
    const after = expectedTables(sim.truth() as unknown as TruthLike);
    const newest = Date.parse(String((await bookmark(file, 'messages')).newest_time)) / 1000;
    await sync(file, streams);
    const second = await lastRun(file);
    expect(second.messages!.read).toBe('partial');
    expect(second.activities!.read).toBe('partial');
    expect(second.messages!.requests).toBeLessThan(first.messages!.requests);
    expect((await bookmark(file, 'messages')).last_read).toBe('partial');

    const loaded = await readDuckDb(file, streams);
    const messages = byKey(loaded.messages!);
    const windowStart = newest - 7 * DAY;
    let updatedInside = 0;
    let updatedOutside = 0;
    for (const [id, now] of after.messages!) {
      const then = before.messages!.get(id);
      const changed = then !== undefined && JSON.stringify(then) !== JSON.stringify(now);
      if ((now.created as number) >= windowStart) {
        // Inside the window (and every new delivery): as the API has it now.
        expect(holds(messages.get(id), now), `messages[${id}] inside the window`).toBe(true);
        if (changed) updatedInside++;
      } else if (changed) {
        // Outside: still as the complete read loaded it.
        expect(holds(messages.get(id), then), `messages[${id}] outside the window`).toBe(true);
        updatedOutside++;
      }
    }
    expect(updatedInside).toBeGreaterThan(0);
    expect(updatedOutside).toBeGreaterThan(0);
    const goneMessages = [...before.messages!.keys()].filter((id) => !after.messages!.has(id));
    expect(goneMessages.length).toBeGreaterThan(0);
    for (const id of goneMessages) expect(messages.get(id)?._cio_deleted_at, `messages[${id}]`).toBeNull();

    // Activities stop at the first page that reaches what was loaded: fewer pages than the feed has.
    expect(second.activities!.requests).toBeLessThan(Math.ceil(after.activities!.size / 100));
    expect(second.activities!.requests).toBeLessThanOrEqual(
      Math.ceil(
        ([...after.activities!.keys()].filter((id) => !before.activities!.has(id)).length + 1) / 100,
      ) + 1,
    );
    const activities = byKey(loaded.activities!);
    const added = [...after.activities!.keys()].filter((id) => !before.activities!.has(id));
    expect(added.length).toBeGreaterThan(0);
    for (const id of added) expect(holds(activities.get(id), after.activities!.get(id)!)).toBe(true);
    const goneActivities = [...before.activities!.keys()].filter((id) => !after.activities!.has(id));
    for (const id of goneActivities)
      expect(activities.get(id)?._cio_deleted_at, `activities[${id}]`).toBeNull();

    // --full-refresh: a complete read brings the rest up to date and marks the deletions.
    await sync(file, streams, {}, true);
    expect((await lastRun(file)).messages!.read).toBe('complete');
    expectLoadedMatchesTruth(await readDuckDb(file, streams), sim.truth() as unknown as TruthLike);
  });

  it('read completely when full_refresh_days is 0', async () => {
    const file = join(dir, 'always-complete.duckdb');
    await sync(file, ['activities'], { full_refresh_days: 0 });
    await sync(file, ['activities'], { full_refresh_days: 0 });
    expect((await lastRun(file)).activities!.read).toBe('complete');
  });
});

describe('customers_refresh: changes', () => {
  it('fetches only the people the activities name, and leaves deletions to the next complete read', async () => {
    const file = join(dir, 'customers.duckdb');
    const changes = { customers_refresh: 'changes' };
    await sync(file, ['customers'], changes);
    expect((await lastRun(file)).customers!.read).toBe('complete');
    const before = expectedTables(sim.truth() as unknown as TruthLike).customers!;

    sim.advance({ seconds: 3600, updateFraction: 0.05, addFraction: 0.05, deleteFraction: 0.05 });
    const after = expectedTables(sim.truth() as unknown as TruthLike).customers!;
    const logged = sim.requestLog().length;
    await sync(file, ['customers'], changes);
    expect((await lastRun(file)).customers!.read).toBe('partial');
    const asked = sim.requestLog().slice(logged);
    // Nobody listed; one attributes call per 100 people the new activities name.
    expect(asked.filter((r) => r.path === '/v1/customers')).toEqual([]);
    const named = new Set(
      (sim.truth().activities as Rec[])
        .filter((a) => PERSON_CHANGES.has(String(a.type)) && (a.timestamp as number) > DEFAULT_NOW)
        .map((a) => (a.customer_identifiers as Rec).cio_id),
    );
    const attributeCalls = asked.filter((r) => r.path === '/v1/customers/attributes').length;
    expect(attributeCalls).toBe(Math.ceil(named.size / 100));

    const people = byKey((await readDuckDb(file, ['customers'])).customers!, 'cio_id');
    let changed = 0;
    for (const [cioId, now] of after) {
      const then = before.get(cioId);
      if (then === undefined || JSON.stringify(then) !== JSON.stringify(now)) changed++;
      expect(holds(people.get(cioId), now), `customers[${cioId}]`).toBe(true);
    }
    expect(changed).toBeGreaterThan(0);
    const gone = [...before.keys()].filter((cioId) => !after.has(cioId));
    expect(gone.length).toBeGreaterThan(0);
    for (const cioId of gone) expect(people.get(cioId)?._cio_deleted_at).toBeNull();

    await sync(file, ['customers'], changes, true);
    expectLoadedMatchesTruth(await readDuckDb(file, ['customers']), sim.truth() as unknown as TruthLike);
  });
});
