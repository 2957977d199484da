// What the connector's peak RSS is made of, at two world sizes: node bench/memory-breakdown.mjs [100,400]
// Syncs messages from an unlimited simulator into DuckDB with lib/memory-probe.mjs preloaded, and
// prints the peaks of RSS, JS heap and buffers (all in MB, sampled every 50 ms).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runMeasured } from './lib/measured-process.mjs';
import { CLI, ROOT, scratchDir } from './lib/paths.mjs';
import { startSimProcess } from './lib/simulator.mjs';

const scales = (process.argv[2] ?? '100,400').split(',').map(Number);
const streams = process.argv[3] ?? 'messages';
const dir = scratchDir();
const probe = join(ROOT, 'bench', 'lib', 'memory-probe.mjs');
try {
  for (const scale of scales) {
    const sim = await startSimProcess({ scale, rps: 0, latencyMs: 0 });
    const file = join(dir, `memory-${scale}.duckdb`);
    const out = join(dir, `memory-${scale}.json`);
    try {
      const args = ['--import', probe, CLI, 'sync', '--base-url', sim.url, '--destination', `duckdb:${file}`];
      args.push('--no-progress', '--max-requests-per-second', '1000', '--streams', streams);
      const env = { ...process.env, CIO_ACCESS_TOKEN: sim.token, CIO_BENCH_MEMORY_OUT: out };
      const run = await runMeasured(args, { env });
      if (run.code !== 0) throw new Error(`sync failed: ${run.stderr.slice(-2000)}`);
      const peaks = JSON.parse(readFileSync(out, 'utf8'));
      process.stdout.write(
        `${JSON.stringify({ scale, streams, kernelPeakRssMb: Math.round(run.peakRssKb / 1024), ...peaks })}\n`,
      );
    } finally {
      await sim.stop();
      rmSync(file, { force: true });
      rmSync(`${file}.wal`, { force: true });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
