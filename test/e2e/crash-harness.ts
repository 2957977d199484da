import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { DEFAULT_STREAM_NAMES, getDefinition } from '../../src/streams/definitions.js';
import { runCli } from '../helpers/cli.js';
import type { TestDestination } from '../helpers/destinations.js';
import { expectLoadedMatchesTruth, type TruthLike } from '../helpers/truth.js';

/**
 * The crash harness: a sync killed with SIGKILL at a failpoint (src/core/failpoint.ts), then rerun to
 * completion, must leave the destination equal to the ground truth with a clean state - for kill points
 * mid-page, mid-batch (rows staged, not merged), mid-commit (before and right after COMMIT), between
 * pages and between tables, in a first full sync and in an incremental second sync. These lists run
 * with one page per transaction (`--batch-size-rows 1`), the most kill points; BATCHED_KILLS runs with
 * several pages per transaction, where a kill also loses the pages gathered but not yet written.
 */
const FIRST_SYNC_KILLS = [
  'page-read:1',
  'page-read@messages:2',
  'page-committed:3',
  'page-committed@activities:2',
  'mid-batch:1',
  'mid-batch:9',
  'mid-batch@customers:1',
  'before-commit:2',
  'before-commit:14',
  'after-commit:5',
  'after-commit:22',
  'before-complete:1',
  'before-complete@messages:1',
  'stream-complete:4',
  'stream-complete:15',
];
const SECOND_SYNC_KILLS = [
  'page-read@activities:3',
  'mid-batch:4',
  'before-commit:7',
  'after-commit:3',
  'before-complete@eps_suppression:1',
  'stream-complete:9',
];

/** Activities come 100 a page, 4 pages in this world: batches of 150 rows gather two pages. */
const BATCH_ROWS = '150';
const BATCHED_KILLS = [
  'page-read@activities:2',
  'page-read@activities:4',
  'page-committed@activities:1',
  'mid-batch@activities:2',
  'after-commit:6',
];

const SEED = 5;
const ADVANCE = { seconds: 5400, updateFraction: 0.1, addFraction: 0.05, deleteFraction: 0.05 };
/**
 * Records created only: a change or deletion to rows an interrupted attempt committed shows at the
 * next complete read (see the README), so with them a resumed sync is not expected to be exact.
 */
const ADDITIONS = { seconds: 5400, updateFraction: 0, addFraction: 0.05, deleteFraction: 0 };
const sims: Simulator[] = [];

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

async function newSim(): Promise<Simulator> {
  const sim = await startSimulator({ rps: 0, seed: SEED });
  sims.push(sim);
  return sim;
}

/**
 * The tables the kill points sync: every one read by the specification's lists (each reader but the
 * per-parent one) and one table read per parent. The per-parent tables' own case below syncs every
 * default table; fewer tables keep the 30-odd cases of each engine within the suite's time.
 */
const CRASH_TABLES: readonly string[] = [
  ...DEFAULT_STREAM_NAMES.filter((name) => getDefinition(name).reader !== 'parent-child'),
  'newsletter_contents',
];

function sync(
  sim: Simulator,
  destination: TestDestination,
  failpoint?: string,
  batchRows = '1',
  streams: readonly string[] = CRASH_TABLES,
) {
  const args = ['sync', '--base-url', sim.url, '--max-requests-per-second', '1000', ...destination.args];
  args.push('--streams', streams.join(','));
  return runCli([...args, '--batch-size-rows', batchRows], {
    // Every read complete: a crash must leave exact data, deletions and older changes included.
    env: {
      CIO_ACCESS_TOKEN: sim.token,
      CIO_FULL_REFRESH_DAYS: '0',
      ...(failpoint ? { CIO_SYNC_FAILPOINT: failpoint } : {}),
    },
  });
}

async function expectExactAndClean(
  destination: TestDestination,
  sim: Simulator,
  tables: readonly string[] = CRASH_TABLES,
): Promise<void> {
  expectLoadedMatchesTruth(await destination.read(tables), sim.truth() as unknown as TruthLike);
  const bookmarks = await destination.bookmarks();
  expect(Object.keys(bookmarks).sort()).toEqual([...tables].sort());
  for (const [stream, bookmark] of Object.entries(bookmarks)) {
    expect(bookmark.resume, `${stream}: a read left unfinished in the final state`).toBeUndefined();
  }
}

function activityRequests(sim: Simulator, from: number) {
  return sim
    .requestLog()
    .slice(from)
    .filter((e) => e.path === '/v1/activities');
}

/** The cursor an interrupted read of `stream` committed as its resume point. */
async function savedCursor(destination: TestDestination, stream: string): Promise<string> {
  const resume = (await destination.bookmarks())[stream]?.resume as { position?: { cursor?: unknown } };
  const cursor = resume?.position?.cursor;
  expect(typeof cursor, `${stream}: no resume cursor was committed`).toBe('string');
  return cursor as string;
}

/** Runs `work` against a fresh simulator and a fresh destination, which is removed afterwards. */
async function withFreshWorld(
  makeDestination: (name: string) => TestDestination,
  name: string,
  work: (sim: Simulator, destination: TestDestination) => Promise<void>,
): Promise<void> {
  const sim = await newSim();
  const destination = makeDestination(name);
  try {
    await work(sim, destination);
  } finally {
    await destination.cleanup();
  }
}

/** Kills a sync at the failpoint, reruns it to completion, and expects exact data and a clean state. */
async function killRerunAndCheck(
  sim: Simulator,
  destination: TestDestination,
  point: string,
  batchRows?: string,
): Promise<void> {
  const killed = await sync(sim, destination, point, batchRows);
  expect(killed.signal, `the failpoint ${point} was not reached`).toBe('SIGKILL');
  const rerun = await sync(sim, destination, undefined, batchRows);
  expect(rerun.code, rerun.stderr).toBe(0);
  await expectExactAndClean(destination, sim);
}

/**
 * Each case has its own simulator and destination, so cases run side by side. A case is a ping-pong
 * between the CLI process and the simulator in this worker, which leaves a core idle most of the
 * time; three at once keep it busy: this file is the suite's longest, so it sets its wall time.
 */
const CASES_AT_ONCE = 3;
/**
 * A case is two or three whole syncs: seconds on a quiet machine, but minutes on a crowded one. The
 * limit only catches a hung case, so it leaves that room.
 */
const CASE_TIMEOUT_MS = 240_000;

/**
 * The kill points a second engine runs: one of each kind (mid-page, mid-batch, before and after
 * COMMIT, before completing, between tables) in each mode. The checkpoint logic they exercise is the
 * engine's and the shared SQL sink's, which the first engine's full lists cover; what differs per
 * engine is how staging, merge and commit behave, which these reach. (The suite's time is bounded.)
 */
export const REPRESENTATIVE_KILLS: KillLists = {
  first: [
    'page-read@messages:2',
    'page-committed@activities:2',
    'mid-batch:9',
    'mid-batch@customers:1',
    'before-commit:14',
    'after-commit:22',
    'before-complete@messages:1',
    'stream-complete:15',
  ],
  second: ['mid-batch:4', 'before-commit:7', 'after-commit:3', 'before-complete@eps_suppression:1'],
  batched: ['mid-batch@activities:2', 'after-commit:6'],
};

export interface KillLists {
  first: readonly string[];
  second: readonly string[];
  batched: readonly string[];
}

const ALL_KILLS: KillLists = { first: FIRST_SYNC_KILLS, second: SECOND_SYNC_KILLS, batched: BATCHED_KILLS };

export function describeCrashSafety(
  engine: string,
  makeDestination: (name: string) => TestDestination,
  kills: KillLists = ALL_KILLS,
): void {
  vi.setConfig({ maxConcurrency: CASES_AT_ONCE });
  describe(`crash safety into ${engine}`, { concurrent: true, timeout: CASE_TIMEOUT_MS }, () => {
    const slug = (point: string) => point.replace(/\W/g, '_');

    // The incremental cases start from the same clean first sync of the same seeded world: it is
    // synced once and copied for each case.
    let firstSync: Promise<TestDestination> | undefined;
    const syncedOnce = (): Promise<TestDestination> => {
      firstSync ??= (async () => {
        const sim = await newSim();
        const destination = makeDestination('first_sync');
        const run = await sync(sim, destination);
        expect(run.code, run.stderr).toBe(0);
        return destination;
      })();
      return firstSync;
    };
    afterAll(async () => {
      // A first sync that failed has failed its cases already; there is nothing to remove then.
      const template = await firstSync?.catch(() => undefined);
      await template?.cleanup();
    });

    it.each([...kills.first])('a first sync killed at %s reruns to exact data', (point) =>
      withFreshWorld(makeDestination, `first_${slug(point)}`, (sim, destination) =>
        killRerunAndCheck(sim, destination, point),
      ),
    );

    it.each([...kills.second])('an incremental second sync killed at %s reruns to exact data', (point) =>
      withFreshWorld(makeDestination, `second_${slug(point)}`, async (sim, destination) => {
        await (await syncedOnce()).copyTo(destination);
        sim.advance(ADVANCE);
        await killRerunAndCheck(sim, destination, point);
      }),
    );

    it.each([...kills.batched])(
      'a first sync writing several pages per transaction, killed at %s, reruns to exact data',
      (point) =>
        withFreshWorld(makeDestination, `batched_${slug(point)}`, (sim, destination) =>
          killRerunAndCheck(sim, destination, point, BATCH_ROWS),
        ),
    );

    // Activities come 100 a page; both kills leave two pages committed, so the rerun starts at the third.
    it.each([
      { how: 'one page per transaction', kill: 'page-committed@activities:2', batchRows: '1' },
      { how: 'two pages per transaction', kill: 'page-committed@activities:1', batchRows: BATCH_ROWS },
    ])(
      'resumes a many-page full-table read after its last commit, not from the start ($how)',
      ({ kill, batchRows }) =>
        withFreshWorld(makeDestination, `resume_${batchRows}`, async (sim, destination) => {
          const killed = await sync(sim, destination, kill, batchRows);
          expect(killed.signal).toBe('SIGKILL');
          const saved = await savedCursor(destination, 'activities');
          const before = sim.requestLog().length;
          expect((await sync(sim, destination, undefined, batchRows)).code).toBe(0);
          const rerun = activityRequests(sim, before);
          // Activities are newest first: the rerun reads the head again (one page, since nothing is
          // new), then goes on at the saved cursor rather than at the second page.
          expect(rerun[0]?.query.start).toBeUndefined();
          expect(rerun[1]?.query.start, 'the rerun did not resume at the saved cursor').toBe(saved);
          const total = (sim.truth() as unknown as { activities: unknown[] }).activities.length;
          expect(rerun.length).toBe(1 + Math.ceil(total / 100) - 2);
          await expectExactAndClean(destination, sim);
        }),
    );

    // Newsletter contents travel 50 newsletters a page: the kill leaves the first 50 committed.
    it('resumes a table read per parent after the last parent committed, reading none of those again', () =>
      withFreshWorld(makeDestination, 'children', async (sim, destination) => {
        const killed = await sync(
          sim,
          destination,
          'page-committed@newsletter_contents:1',
          '1',
          DEFAULT_STREAM_NAMES,
        );
        expect(killed.signal).toBe('SIGKILL');
        const resume = (await destination.bookmarks()).newsletter_contents?.resume as {
          position?: { after_parent?: unknown };
        };
        const after = resume?.position?.after_parent;
        expect(typeof after, 'no parent position was committed').toBe('number');
        const before = sim.requestLog().length;
        expect((await sync(sim, destination, undefined, '1', DEFAULT_STREAM_NAMES)).code).toBe(0);
        const reread = sim
          .requestLog()
          .slice(before)
          .map((e) => /^\/v1\/newsletters\/(\d+)\/contents$/.exec(e.path)?.[1])
          .filter((id) => id !== undefined)
          .map(Number);
        const ids = (sim.truth() as unknown as { newsletters: { id: number }[] }).newsletters.map(
          (n) => n.id,
        );
        expect(reread.sort((a, b) => a - b)).toEqual(ids.filter((id) => id > (after as number)));
        await expectExactAndClean(destination, sim, DEFAULT_STREAM_NAMES);
      }));

    // Activities alone: the other tables' reads, finished by the first attempt at whatever moment the
    // kill comes, are not read again by the resumed ones, so records added meanwhile reach them only
    // at their next complete read (see the README).
    it('a resumed read killed while it reads the head again resumes the same way, and loads what was created meanwhile', () =>
      withFreshWorld(makeDestination, 'catch_up', async (sim, destination) => {
        const only = ['activities'];
        expect((await sync(sim, destination, 'page-committed@activities:2', '1', only)).signal).toBe(
          'SIGKILL',
        );
        const saved = await savedCursor(destination, 'activities');
        sim.advance(ADDITIONS);
        const before = sim.requestLog().length;
        // Killed once the head's first page is committed: the catch-up is not over.
        expect((await sync(sim, destination, 'page-committed@activities:1', '1', only)).signal).toBe(
          'SIGKILL',
        );
        expect(activityRequests(sim, before)[0]?.query.start).toBeUndefined();
        expect(await savedCursor(destination, 'activities'), 'the catch-up moved the resume point').toBe(
          saved,
        );
        expect((await sync(sim, destination, undefined, '1', only)).code).toBe(0);
        await expectExactAndClean(destination, sim, only);
      }));

    it('refuses a second sync into the same destination while one runs', async () => {
      // Slow answers keep the first sync running (and holding the destination) well past the second's
      // start-up; once the second was refused they stop, so the first's hundreds of requests run fast.
      const sim = await startSimulator({ rps: 0, seed: SEED });
      sims.push(sim);
      sim.injectFault({ kind: 'slow', delayMs: 1000 });
      const destination = makeDestination('lock');
      try {
        let firstEnded = false;
        const first = sync(sim, destination).finally(() => {
          firstEnded = true;
        });
        // Start the second once the first has begun requesting pages (it holds the destination then),
        // however long a crowded machine takes to start it: a fixed wait could start the second first.
        const started = sim.requestLog().length;
        while (!firstEnded && sim.requestLog().length < started + 3) {
          await new Promise((r) => setTimeout(r, 25));
        }
        const second = await sync(sim, destination);
        expect(second.code).toBe(2);
        expect(second.stderr).toMatch(/Another cio-sync run is using/);
        sim.clearFaults();
        expect((await first).code).toBe(0);
        await expectExactAndClean(destination, sim);
      } finally {
        await destination.cleanup();
      }
    });
  });
}
