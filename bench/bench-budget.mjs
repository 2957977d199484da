// Benchmarks 1, 2 and 5: a full sync of a mid-size world at the API's rate limit and latency, the
// same one request at a time, and a second sync with nothing changed.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { STREAM_DEFINITIONS } from '../dist/streams/definitions.js';
import { minimumRequests, worldSizes } from './lib/minimum-requests.mjs';
import { startSimProcess } from './lib/simulator.mjs';
import { medianOf, round } from './lib/stats.mjs';
import { runSync } from './lib/sync-run.mjs';

/** The engine checks the key with one GET /v1/workspaces before the sync; counted apart. */
const KEY_CHECK_REQUESTS = 1;
const RATE = 10;
const LATENCY_MS = 150;

function removeDuckDb(file) {
  for (const suffix of ['', '.wal']) rmSync(`${file}${suffix}`, { force: true });
}

/** Figures of one full sync against the minimum the API allows. */
function budgetFigures(sync, minimum, simRequests) {
  const dataRequests = sync.requests - KEY_CHECK_REQUESTS;
  const floorSeconds = minimum.formula / RATE;
  return {
    requests: dataRequests,
    keyCheckRequests: KEY_CHECK_REQUESTS,
    minimumRequests: minimum.formula,
    protocolMinimumRequests: minimum.protocol,
    extraRequests: dataRequests - minimum.protocol,
    rateLimited: sync.rateLimited,
    rateLimitedPercent: (100 * sync.rateLimited) / sync.requests,
    simulatorRequests: simRequests,
    wallSeconds: sync.wallSeconds,
    syncSeconds: sync.syncSeconds,
    floorSeconds,
    wallOverFloor: sync.wallSeconds / floorSeconds,
    syncOverFloor: sync.syncSeconds / floorSeconds,
    achievedRps: sync.requests / sync.syncSeconds,
    rows: sync.rows,
    cpuSeconds: sync.cpuSeconds,
    peakRssMb: sync.peakRssMb,
    // Where the time beyond the floor went: start-up (process, key check, destination open), the
    // requests themselves, and shutdown after the last answer (last writes, close).
    beforeFirstRequestSeconds: sync.timeline?.beforeFirstRequestSeconds,
    requestsSeconds: sync.timeline?.requestsSeconds,
    afterLastResponseSeconds: sync.timeline?.afterLastResponseSeconds,
  };
}

/** Requests per table beyond the protocol minimum (should be none). */
function excessByTable(sync, minimum) {
  const excess = {};
  for (const [name, table] of Object.entries(sync.tables)) {
    const floor = minimum.tables[name]?.protocol;
    if (floor !== undefined && table.requests !== floor) excess[name] = table.requests - floor;
  }
  return excess;
}

/**
 * Runs `runs` times: a full sync with `concurrency` into a fresh DuckDB file and, when `second`,
 * a second sync into the same file. Each run gets a fresh simulator (same seed, same world), so
 * its request counter and rate-limit bucket start clean.
 */
export async function benchBudget({ scale, runs, concurrency, second, dir, log }) {
  const sizes = worldSizes(scale);
  const minimum = minimumRequests(sizes);
  log(
    `world scale ${scale}: ${sizes.messages} messages, ${sizes.customers} customers; ` +
      `minimum ${minimum.formula} requests (${minimum.protocol} with the paging rules)`,
  );
  const full = [];
  const again = [];
  for (let run = 1; run <= runs; run++) {
    const sim = await startSimProcess({ scale, rps: RATE, latencyMs: LATENCY_MS });
    const file = join(dir, `budget-c${concurrency}-${run}.duckdb`);
    removeDuckDb(file);
    try {
      const sync = await runSync({
        sim,
        destination: `duckdb:${file}`,
        rate: RATE,
        concurrency,
        timeline: true,
      });
      const simRequests = (await sim.stats()).requests;
      const figures = budgetFigures(sync, minimum, simRequests);
      full.push({ ...figures, excessByTable: excessByTable(sync, minimum), tables: sync.tables });
      log(
        `  run ${run}: ${figures.requests} requests (+${KEY_CHECK_REQUESTS} key check), ${figures.rateLimited} 429s, ` +
          `${round(figures.wallSeconds, 1)} s wall = ${round(figures.wallOverFloor, 3)} x floor`,
      );
      if (second) {
        const before = (await sim.stats()).requests;
        const next = await runSync({ sim, destination: `duckdb:${file}`, rate: RATE, concurrency });
        const incremental = Object.entries(next.tables).filter(([name]) => INCREMENTAL.has(name));
        const figuresAgain = {
          requests: next.requests - KEY_CHECK_REQUESTS,
          simulatorRequests: (await sim.stats()).requests - before,
          rowsRead: next.rows,
          rowsWritten: Object.values(next.tables).reduce((sum, t) => sum + t.written, 0),
          incrementalRowsWritten: incremental.reduce((sum, [, t]) => sum + t.written, 0),
          wallSeconds: next.wallSeconds,
          rateLimited: next.rateLimited,
        };
        again.push({ ...figuresAgain, tables: next.tables });
        log(
          `  second sync: ${figuresAgain.requests} requests, ${figuresAgain.rowsWritten} rows written ` +
            `(${figuresAgain.incrementalRowsWritten} in incremental tables), ${round(next.wallSeconds, 1)} s`,
        );
      }
    } finally {
      await sim.stop();
      removeDuckDb(file);
    }
  }
  return {
    full: {
      scale,
      concurrency,
      rate: RATE,
      latencyMs: LATENCY_MS,
      sizes,
      minimum,
      median: medianOf(full),
      runs: full,
    },
    ...(second ? { second: { scale, median: medianOf(again), runs: again } } : {}),
  };
}

/** The tables with a replication key: a second sync must rewrite none of their rows. */
const INCREMENTAL = new Set(STREAM_DEFINITIONS.filter((def) => def.replicationKey).map((def) => def.name));
