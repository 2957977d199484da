// Benchmark 6: the full sync of benchmark 1 against each way a server may count "10 per second"
// (the simulator's --limiter modes), on a quiet machine and beside a process burning a core: how
// many requests are answered 429, and the wall time against the floor (minimum requests / rate).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { minimumRequests, worldSizes } from './lib/minimum-requests.mjs';
import { startSimProcess } from './lib/simulator.mjs';
import { round } from './lib/stats.mjs';
import { runSync } from './lib/sync-run.mjs';

const RATE = 10;
const LATENCY_MS = 150;
export const LIMITER_MODES = ['rolling', 'token-bucket', 'fixed-window'];

/** A process spinning on one core until stopped: the "busy machine". */
function startCpuBurner() {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return () => {
    child.kill('SIGKILL');
  };
}

export const LIMITER_LOADS = ['quiet', 'busy'];

/** `modes` and `loads` select cases (all by default); each case runs `runs` times. */
export async function benchLimiter({ scale, runs, dir, log, modes = LIMITER_MODES, loads = LIMITER_LOADS }) {
  const minimum = minimumRequests(worldSizes(scale));
  const floorSeconds = minimum.formula / RATE;
  log(`limiter: scale ${scale}, floor ${minimum.formula} requests = ${round(floorSeconds, 1)} s`);
  const results = [];
  for (const mode of modes) {
    for (const busy of loads.map((load) => load === 'busy')) {
      for (let run = 1; run <= runs; run++) {
        const sim = await startSimProcess({ scale, rps: RATE, latencyMs: LATENCY_MS, limiter: mode });
        const stopBurner = busy ? startCpuBurner() : () => {};
        const file = join(dir, `limiter-${mode}-${busy ? 'busy' : 'quiet'}-${run}.duckdb`);
        try {
          const sync = await runSync({
            sim,
            destination: `duckdb:${file}`,
            rate: RATE,
            concurrency: 8,
            timeline: true,
          });
          const stats = await sim.stats();
          const figures = {
            mode,
            load: busy ? 'busy' : 'quiet',
            run,
            requests: stats.requests,
            rateLimited: stats.rateLimited,
            rateLimitedPercent: (100 * stats.rateLimited) / stats.requests,
            wallSeconds: sync.wallSeconds,
            floorSeconds,
            wallOverFloor: sync.wallSeconds / floorSeconds,
            // Start-up before the first data request and shutdown after the last response.
            beforeFirstRequestSeconds: sync.timeline?.beforeFirstRequestSeconds,
            afterLastResponseSeconds: sync.timeline?.afterLastResponseSeconds,
            loadAverage: loadavg()[0],
          };
          results.push(figures);
          log(
            `  ${mode}, ${figures.load}, run ${run}: ${stats.rateLimited} 429s in ${stats.requests} requests ` +
              `(${round(figures.rateLimitedPercent, 2)} %), ${round(sync.wallSeconds, 1)} s = ${round(figures.wallOverFloor, 3)} x floor ` +
              `(start ${round(figures.beforeFirstRequestSeconds ?? Number.NaN, 2)} s, end ${round(figures.afterLastResponseSeconds ?? Number.NaN, 2)} s, load ${round(figures.loadAverage, 2)})`,
          );
        } finally {
          stopBurner();
          await sim.stop();
          for (const suffix of ['', '.wal']) rmSync(`${file}${suffix}`, { force: true });
        }
      }
    }
  }
  return {
    scale,
    rate: RATE,
    latencyMs: LATENCY_MS,
    minimumRequests: minimum.formula,
    floorSeconds,
    results,
  };
}
