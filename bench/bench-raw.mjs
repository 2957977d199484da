// Benchmarks 3 and 4: raw speed with the simulator unlimited (no rate limit, no latency), so the
// connector's own work is what is measured: records per second, CPU and peak RSS, against a
// baseline that only fetches and parses the same pages.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runMeasured } from './lib/measured-process.mjs';
import { CLI, ROOT } from './lib/paths.mjs';
import { startSimProcess } from './lib/simulator.mjs';
import { medianOf, round } from './lib/stats.mjs';
import { runSync } from './lib/sync-run.mjs';

/**
 * The setting of the README's "Keeping memory under a cap": glibc returns large blocks (DuckDB's
 * 256 KB buffers) to the system at once instead of keeping them in its arenas. (V8's heap growth is
 * limited by the CLI itself, in both variants: src/cli/heap-growth.ts.)
 */
export const MEMORY_CAPPED = {
  extraEnv: { MALLOC_MMAP_THRESHOLD_: '131072' },
};

/** The connector's ceiling for its own budget (config maximum): far above what one chain reaches. */
const UNLIMITED_RATE = 1000;
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Runs one of the stand-alone scripts against the simulator (`bench/<script> <url> <token> ...`),
 * which prints `{records, seconds}`; rates are per second of the whole process.
 */
async function runScript(name, sim, ...extra) {
  const run = await runMeasured([join(ROOT, 'bench', name), sim.url, sim.token, ...extra]);
  if (run.code !== 0) throw new Error(`${name} failed: ${run.stderr.slice(-2000)}`);
  const { records, seconds } = JSON.parse(run.stdout);
  return {
    records,
    recordsPerSecond: records / (run.wallMs / 1000),
    fetchRecordsPerSecond: records / seconds,
    wallSeconds: run.wallMs / 1000,
    peakRssMb: run.peakRssKb / 1024,
    cpuSeconds: (run.userSeconds ?? 0) + (run.systemSeconds ?? 0),
  };
}

/** Fetches and parses the pages, nothing more. */
const baseline = (sim) => runScript('baseline-fetch.mjs', sim);

/**
 * The upper bound for any loader on this machine: page bytes straight into DuckDB's JSON reader,
 * nothing checked. Messages only.
 */
const idealLoader = (sim, dir) => runScript('ideal-duckdb-load.mjs', sim, dir);

/**
 * The connector without a database: the Singer tap with its stdout sent to /dev/null. Everything
 * a sync does up to the sink (HTTP, parsing, mapping, schema checks) plus writing Singer JSON.
 */
async function tapToNull(sim, streams, dir) {
  const config = join(dir, `tap-${process.pid}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      access_token: sim.token,
      base_url: sim.url,
      max_requests_per_second: UNLIMITED_RATE,
      streams,
    }),
  );
  try {
    const run = await runMeasured([CLI, 'tap', '--config', config], { discardStdout: true });
    if (run.code !== 0) throw new Error(`tap failed: ${run.stderr.slice(-2000)}`);
    const counts = [...run.stderr.matchAll(/"metric":"record_count","value":(\d+)/g)];
    const rows = counts.reduce((sum, match) => sum + Number(match[1]), 0);
    return {
      rows,
      recordsPerSecond: rows / (run.wallMs / 1000),
      wallSeconds: run.wallMs / 1000,
      peakRssMb: run.peakRssKb / 1024,
      cpuSeconds: (run.userSeconds ?? 0) + (run.systemSeconds ?? 0),
    };
  } finally {
    rmSync(config, { force: true });
  }
}

function syncFigures(sync, streams) {
  const rows = streams.reduce((sum, name) => sum + (sync.tables[name]?.rows ?? 0), 0);
  return {
    rows,
    recordsPerSecond: rows / sync.wallSeconds,
    syncRecordsPerSecond: rows / sync.syncSeconds,
    wallSeconds: sync.wallSeconds,
    requests: sync.requests,
    peakRssMb: sync.peakRssMb,
    cpuSeconds: sync.cpuSeconds,
  };
}

async function withSchema(schema, fn) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  const drop = () => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  try {
    await drop();
    return await fn();
  } finally {
    await drop();
    await client.end();
  }
}

/**
 * For each scale: the baseline, then `streams` synced into a fresh DuckDB file (and into a fresh
 * PostgreSQL schema when `postgres`), `runs` times each. One simulator per scale.
 */
export async function benchRaw({ scales, runs, streams, duckdb, postgres, capped = false, dir, log }) {
  const results = [];
  for (const scale of scales) {
    const sim = await startSimProcess({ scale, rps: 0, latencyMs: 0 });
    const entry = {
      scale,
      streams,
      baseline: [],
      ideal: [],
      tap: [],
      duckdb: [],
      duckdbCapped: [],
      postgres: [],
    };
    try {
      for (let run = 1; run <= runs; run++) {
        const base = await baseline(sim);
        entry.baseline.push(base);
        log(
          `  scale ${scale} run ${run}: baseline ${Math.round(base.recordsPerSecond)} records/s, ${round(base.peakRssMb, 0)} MB`,
        );
        if (duckdb) {
          const ideal = await idealLoader(sim, dir);
          ideal.ofBaseline = ideal.recordsPerSecond / base.recordsPerSecond;
          entry.ideal.push(ideal);
          log(
            `    ideal loader (bytes to DuckDB's JSON reader, no checks): ${Math.round(ideal.recordsPerSecond)} records/s, ${round(ideal.cpuSeconds, 1)} s CPU`,
          );
          const tap = await tapToNull(sim, streams, dir);
          tap.ofBaseline = tap.recordsPerSecond / base.recordsPerSecond;
          entry.tap.push(tap);
          log(
            `    no database (tap > /dev/null): ${Math.round(tap.recordsPerSecond)} records/s, peak RSS ${round(tap.peakRssMb, 0)} MB`,
          );
          const variants = [['duckdb', {}], ...(capped ? [['duckdbCapped', MEMORY_CAPPED]] : [])];
          for (const [key, settings] of variants) {
            const file = join(dir, `raw-${scale}-${run}-${key}.duckdb`);
            try {
              const destination = `duckdb:${file}`;
              const sync = await runSync({ sim, destination, rate: UNLIMITED_RATE, streams, ...settings });
              const figures = syncFigures(sync, streams);
              figures.ofBaseline = figures.recordsPerSecond / base.recordsPerSecond;
              entry[key].push(figures);
              log(
                `    ${key}: ${Math.round(figures.recordsPerSecond)} records/s, peak RSS ${round(figures.peakRssMb, 0)} MB, ${round(figures.cpuSeconds, 1)} s CPU`,
              );
            } finally {
              rmSync(file, { force: true });
              rmSync(`${file}.wal`, { force: true });
            }
          }
        }
        if (postgres) {
          const schema = `cio_bench_${process.pid}_${scale}_${run}`;
          const sync = await withSchema(schema, () =>
            runSync({ sim, destination: POSTGRES_URL, schema, rate: UNLIMITED_RATE, streams }),
          );
          const figures = syncFigures(sync, streams);
          figures.ofBaseline = figures.recordsPerSecond / base.recordsPerSecond;
          entry.postgres.push(figures);
          log(
            `    postgres: ${Math.round(figures.recordsPerSecond)} records/s, peak RSS ${round(figures.peakRssMb, 0)} MB`,
          );
        }
      }
    } finally {
      await sim.stop();
    }
    results.push({
      scale,
      streams,
      baseline: { median: medianOf(entry.baseline), runs: entry.baseline },
      ...(duckdb
        ? {
            ideal: { median: medianOf(entry.ideal), runs: entry.ideal },
            tap: { median: medianOf(entry.tap), runs: entry.tap },
            duckdb: { median: medianOf(entry.duckdb), runs: entry.duckdb },
            ...(capped
              ? { duckdbCapped: { median: medianOf(entry.duckdbCapped), runs: entry.duckdbCapped } }
              : {}),
          }
        : {}),
      ...(postgres ? { postgres: { median: medianOf(entry.postgres), runs: entry.postgres } } : {}),
    });
  }
  return results;
}
