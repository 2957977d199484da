import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { createDatabaseSink } from '../../src/destinations/registry.js';
import { runSync } from '../../src/engine/sync.js';
import { type FaultRule, type Simulator, startSimulator } from '../../src/sim/index.js';
import type { StreamName } from '../../src/streams/definitions.js';
import { queryDuckDb, readDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import {
  expectLoadedMatchesTruth,
  expectResumedLoadMatches,
  expectTableMatches,
  type TruthLike,
} from '../helpers/truth.js';

/**
 * A read interrupted by a fatal fault and resumed by the next sync, after the world moved on: what
 * the pause would hide from a plain resume at the saved position must still be loaded, or read again.
 */

const dir = scratchDir('resume');

interface World {
  sim: Simulator;
  file: string;
  sync(): ReturnType<typeof runSync>;
  bookmark(stream: string): Promise<Record<string, unknown>>;
  /** Expects `table` right after a resumed sync that started at `resumedAt`, `before` the truth at the pause. */
  expectResumed(table: string, before: TruthLike, resumedAt: Date): Promise<void>;
  /** The query strings of the requests to `path` since log entry `from`. */
  requests(path: string, from: number): Record<string, string | undefined>[];
}

async function world(
  name: string,
  table: StreamName,
  sim: Simulator,
  settings: Record<string, unknown> = {},
): Promise<World> {
  const file = join(dir, `${name}.duckdb`);
  const config = resolveConfig({
    flags: {
      access_token: sim.token,
      base_url: sim.url,
      max_requests_per_second: 1000,
      destination: `duckdb:${file}`,
      ...settings,
    },
  });
  return {
    sim,
    file,
    sync: async () =>
      runSync({
        config,
        sink: await createDatabaseSink(config.destination),
        selection: [{ name: table }],
      }),
    bookmark: async (stream) => {
      const rows = await queryDuckDb(
        file,
        `SELECT bookmark::VARCHAR AS bookmark FROM _cio_state WHERE stream = '${stream}'`,
      );
      return JSON.parse(String(rows[0]?.bookmark ?? '{}')) as Record<string, unknown>;
    },
    expectResumed: async (table, before, resumedAt) =>
      expectResumedLoadMatches(
        await readDuckDb(file, [table]),
        sim.truth() as unknown as TruthLike,
        before,
        resumedAt,
      ),
    requests: (path, from) =>
      sim
        .requestLog()
        .slice(from)
        .filter((e) => e.path === path)
        .map((e) => e.query),
  };
}

/** Runs a sync through `faults`, which must stop the table with error `code`. */
async function interrupted(w: World, faults: FaultRule[], code = 'CIO_ERR_PAGINATION') {
  for (const fault of faults) w.sim.injectFault(fault);
  const run = await w.sync();
  expect(run.status).toBe('failed');
  expect(run.error?.code).toBe(code);
  w.sim.clearFaults();
  return run;
}

describe('resuming an interrupted read after the world moved on', () => {
  it('a newest-first list reads its head again down to what it had, then goes on at the saved cursor: records created meanwhile are loaded', async () => {
    // scale 0.5: 200 activities, two pages of 100.
    const sim = await startSimulator({ rps: 0, scale: 0.5, seed: 41 });
    try {
      const w = await world('head', 'activities', sim);
      await interrupted(w, [{ kind: 'repeat_cursor', path: '/v1/activities', nth: [2] }]);
      const resume = (await w.bookmark('activities')).resume as { position: { cursor: string } };
      const before = sim.truth() as unknown as TruthLike;
      const changes = sim.advance({ seconds: 3600, addFraction: 0.05 });
      expect(changes.changes.activities?.added).toBeGreaterThan(0);

      const from = sim.requestLog().length;
      const run = await w.sync();
      expect(run.status, run.error?.message).toBe('succeeded');
      const requests = w.requests('/v1/activities', from);
      expect(requests[0]?.start, 'the head is read first').toBeUndefined();
      // The new records fit on the head page, whose older records end the catch-up: the next request
      // is the saved cursor, not the head's second page.
      expect(requests[1]?.start).toBe(resume.position.cursor);
      expect(requests).toHaveLength(2);
      await w.expectResumed('activities', before, run.startedAt);
    } finally {
      await sim.stop();
    }
  });

  it('a partial read asked newest first (newsletters) reads its head again, then goes on at the saved cursor in the same order', async () => {
    // scale 4, lists growing like people: 480 newsletters; a 150-day window holds about 180, so the
    // head read takes three pages.
    const sim = await startSimulator({ rps: 0, scale: 4, seed: 45, catalogGrowth: 'linear' });
    try {
      const w = await world('newsletters-head', 'newsletters', sim, { messages_rescan_days: 150 });
      expect((await w.sync()).status).toBe('succeeded');
      sim.advance({ seconds: 3600, updateFraction: 0.1, addFraction: 0.01 });
      await interrupted(w, [{ kind: 'repeat_cursor', path: '/v1/newsletters', nth: [2] }]);
      const resume = (await w.bookmark('newsletters')).resume as {
        position: { cursor: string };
        since: string;
        order?: string;
      };
      expect(resume.order).toBe('descending');
      const changes = sim.advance({ seconds: 3600, updateFraction: 0.1, addFraction: 0.01 });
      expect(changes.changes.newsletters?.added).toBeGreaterThan(0);

      const from = sim.requestLog().length;
      const run = await w.sync();
      expect(run.status, run.error?.message).toBe('succeeded');
      expect(run.streams.newsletters?.read).toBe('partial');
      const requests = w.requests('/v1/newsletters', from);
      expect(requests.every((q) => q.sort === 'desc')).toBe(true);
      expect(requests[0]?.start, 'the head is read first').toBeUndefined();
      expect(requests[1]?.start).toBe(resume.position.cursor);
      expect(requests).toHaveLength(3);
      // Every newsletter of the window, those created or edited during either pause included.
      const answer = await fetch(`${sim.url}/v1/newsletters?limit=1000`, {
        headers: { authorization: `Bearer ${sim.token}` },
      });
      const api = ((await answer.json()) as { newsletters: Record<string, unknown>[] }).newsletters;
      const since = Date.parse(resume.since) / 1000;
      const inWindow = api.filter((n) => (n.created as number) >= since);
      expect(inWindow.length).toBeGreaterThan(100);
      const loaded = (await readDuckDb(w.file, ['newsletters'])).newsletters!;
      expectTableMatches(
        'newsletters',
        loaded.filter((r) => inWindow.some((n) => n.id === r.id)),
        new Map(inWindow.map((n) => [String(n.id), n])),
      );
      expect((await w.bookmark('newsletters')).resume).toBeUndefined();
    } finally {
      await sim.stop();
    }
  });

  it('a read that had committed no record starts over at the first page', async () => {
    // scale 0.2: 80 activities, one page. The first answer is empty but for a cursor, and the second
    // repeats it: the interrupted read committed a cursor and no record.
    const sim = await startSimulator({ rps: 0, scale: 0.2, seed: 42 });
    try {
      const w = await world('restart', 'activities', sim);
      await interrupted(w, [
        { kind: 'empty_page_with_cursor', path: '/v1/activities', nth: [1] },
        { kind: 'repeat_cursor', path: '/v1/activities', nth: [2] },
      ]);
      const resume = (await w.bookmark('activities')).resume as { position: unknown; max_time?: string };
      expect(resume.position).toEqual({ cursor: expect.any(String) });
      expect(resume.max_time).toBeUndefined();
      // Few enough changes that the activities (each change to a person logs one) stay one page.
      sim.advance({ seconds: 3600, updateFraction: 0.02, deleteFraction: 0.02 });

      const from = sim.requestLog().length;
      const run = await w.sync();
      expect(run.status, run.error?.message).toBe('succeeded');
      expect(w.requests('/v1/activities', from).map((q) => q.start)).toEqual([undefined]);
      expectLoadedMatchesTruth(await readDuckDb(w.file, ['activities']), sim.truth() as unknown as TruthLike);
    } finally {
      await sim.stop();
    }
  });

  it('a resumed suppressions read reads every list again from its start: removals made meanwhile neither hide records nor get them marked deleted', async () => {
    // scale 4 with lists growing like people: 4,000 bounces, four pages of 1,000 by offset, oldest first.
    const sim = await startSimulator({ rps: 0, scale: 4, seed: 44, catalogGrowth: 'linear' });
    try {
      const w = await world('suppressions', 'eps_suppression', sim);
      expect((await w.sync()).status).toBe('succeeded');
      // The daily quota runs out on the third bounces page: offsets 0-1999 are committed.
      await interrupted(
        w,
        [{ kind: 'rate_limit', retryAfter: null, path: '/v1/esp/suppression/bounces', nth: [3] }],
        'CIO_ERR_RATE_LIMITED',
      );
      const before = sim.truth() as unknown as TruthLike;
      // Removals only: those before offset 2000 move later bounces below it.
      const changes = sim.advance({ seconds: 3600, updateFraction: 0, addFraction: 0, deleteFraction: 0.1 });
      expect(changes.changes['suppressions.bounces']?.deleted).toBeGreaterThan(100);

      const from = sim.requestLog().length;
      const run = await w.sync();
      expect(run.status, run.error?.message).toBe('succeeded');
      // Not at the saved offset 2000: from the start, as removals may have moved records below it.
      expect(w.requests('/v1/esp/suppression/bounces', from).map((q) => q.offset)).toEqual([
        '0',
        '1000',
        '2000',
        '3000',
      ]);
      await w.expectResumed('eps_suppression', before, run.startedAt);
    } finally {
      await sim.stop();
    }
  });

  it("an incremental read's bookmark stops at the start of the read it resumed, so updates made during the pause are read again", async () => {
    // scale 1: 120 newsletters, two pages. The world's clock runs 40 minutes ahead of ours (within
    // the skew a bookmark allows), so the updates read are all later than either sync's start and the
    // cap decides the bookmark.
    const sim = await startSimulator({
      rps: 0,
      scale: 1,
      seed: 43,
      now: Math.floor(Date.now() / 1000) + 40 * 60,
    });
    try {
      const w = await world('incremental', 'newsletters', sim);
      await interrupted(w, [{ kind: 'repeat_cursor', path: '/v1/newsletters', nth: [2] }]);
      const resume = (await w.bookmark('newsletters')).resume as { read_started_at: string };
      sim.advance({ seconds: 600, updateFraction: 0.2 });
      // Bookmarks are whole seconds: let this sync start in a later second than the interrupted one.
      await new Promise((resolve) => setTimeout(resolve, 1100));

      const run = await w.sync();
      expect(run.status, run.error?.message).toBe('succeeded');
      const saved = await w.bookmark('newsletters');
      expect(saved.resume).toBeUndefined();
      // Not this sync's start: pages read before the pause may have changed since.
      expect(saved.replication_key_value).toBe(resume.read_started_at.replace(/\.\d{3}Z$/, 'Z'));
      expect(Date.parse(String(saved.replication_key_value))).toBeLessThan(run.startedAt.getTime());

      // At this scale a partial read of the head reaches the end of the list: every edit is read.
      const settled = await w.sync();
      expect(settled.status, settled.error?.message).toBe('succeeded');
      expectLoadedMatchesTruth(
        await readDuckDb(w.file, ['newsletters']),
        sim.truth() as unknown as TruthLike,
      );
    } finally {
      await sim.stop();
    }
  });
});
