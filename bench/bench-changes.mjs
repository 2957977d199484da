// Benchmark 6: reads of what changed. A first sync of a large world (with customers_refresh:
// changes, so it notes where the activity feed stands); the simulator advances one day; then a
// second sync of a copy of the destination with the defaults, and one with customers_refresh:
// changes. Requests as counts and as a fraction of the first sync's, wall / floor of each, and the
// second sync with changes compared with the ground truth (every live person, every activity).
// The tables are the specification's (every default table but those read per parent): the issue
// that set the target predates the structure tables, which no API lets a sync read by change.

import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_STREAM_NAMES, getDefinition } from '../dist/streams/definitions.js';
import { minimumRequests, worldSizes } from './lib/minimum-requests.mjs';
import { ROOT } from './lib/paths.mjs';
import { startSimProcess } from './lib/simulator.mjs';
import { round } from './lib/stats.mjs';
import { runSync } from './lib/sync-run.mjs';

const RATE = 10;
const LATENCY_MS = 150;
const SEED = 1;
export const CHANGES_TABLES = DEFAULT_STREAM_NAMES.filter(
  (name) => getDefinition(name).reader !== 'parent-child',
);
/**
 * One day of a busy workspace: 1% of people and deliveries change, 1/180 of each table is added
 * (a day of the six months of deliveries kept), 0.1% deleted.
 */
export const ONE_DAY = { seconds: 86_400, updateFraction: 0.01, addFraction: 1 / 180, deleteFraction: 0.001 };
const CHANGES = { CIO_CUSTOMERS_REFRESH: 'changes' };

function removeDuckDb(file) {
  for (const suffix of ['', '.wal']) rmSync(`${file}${suffix}`, { force: true });
}

function figures(sync, floorRequests) {
  const requests = sync.requests - 1;
  return {
    requests,
    keyCheckRequests: 1,
    wallSeconds: sync.wallSeconds,
    floorSeconds: floorRequests / RATE,
    wallOverFloor: sync.wallSeconds / (floorRequests / RATE),
    rateLimited: sync.rateLimited,
    tables: Object.fromEntries(Object.entries(sync.tables).map(([name, t]) => [name, t.requests])),
  };
}

export async function benchChanges({ scale, dir, log }) {
  const sizes = worldSizes(scale, SEED, { onlyWholeLists: true });
  const minimum = minimumRequests(sizes, CHANGES_TABLES);
  log(
    `changes: scale ${scale}: ${sizes.messages} messages, ${sizes.customers} people; minimum ${minimum.protocol} requests`,
  );
  const sim = await startSimProcess({ scale, rps: RATE, latencyMs: LATENCY_MS, seed: SEED });
  const first = join(dir, 'changes-first.duckdb');
  const plain = join(dir, 'changes-defaults.duckdb');
  const changes = join(dir, 'changes-changes.duckdb');
  for (const file of [first, plain, changes]) removeDuckDb(file);
  try {
    const one = await runSync({
      sim,
      destination: `duckdb:${first}`,
      rate: RATE,
      streams: CHANGES_TABLES,
      extraEnv: CHANGES,
    });
    // The first sync's own floor: the minimum, plus the one look at the activity feed's head.
    const firstFigures = figures(one, minimum.protocol + 1);
    log(
      `  first sync: ${firstFigures.requests} requests (minimum ${minimum.protocol} + 1 feed head), ${round(one.wallSeconds, 1)} s`,
    );
    for (const copy of [plain, changes]) copyFileSync(first, copy);
    const advanced = await sim.advance(ONE_DAY);
    log(
      `  advanced one day: ${JSON.stringify(advanced.changes.customers)} people, ${JSON.stringify(advanced.changes.messages)} messages`,
    );
    const seconds = {};
    for (const [name, file, env] of [
      ['defaults', plain, {}],
      ['changes', changes, CHANGES],
    ]) {
      const sync = await runSync({
        sim,
        destination: `duckdb:${file}`,
        rate: RATE,
        streams: CHANGES_TABLES,
        extraEnv: env,
      });
      // A second sync's floor is the requests it has to make: its own count.
      seconds[name] = {
        ...figures(sync, sync.requests),
        ofFirst: (sync.requests - 1) / firstFigures.requests,
      };
      log(
        `  second sync (${name}): ${seconds[name].requests} requests = ${round(100 * seconds[name].ofFirst, 2)} % of the first, ${round(sync.wallSeconds, 1)} s`,
      );
    }
    const script = join(ROOT, 'bench', 'verify-changes.mjs');
    const verified = JSON.parse(
      execFileSync(
        process.execPath,
        [script, String(scale), String(SEED), JSON.stringify([ONE_DAY]), changes],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        },
      ),
    );
    log(`  exact after the second sync with changes: ${JSON.stringify(verified)}`);
    return {
      scale,
      rate: RATE,
      latencyMs: LATENCY_MS,
      advance: ONE_DAY,
      sizes,
      minimum: minimum.protocol,
      tables: CHANGES_TABLES,
      first: firstFigures,
      second: seconds,
      verified,
    };
  } finally {
    await sim.stop();
    for (const file of [first, plain, changes]) removeDuckDb(file);
  }
}
