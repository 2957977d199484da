import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { resolveConfig } from '../../config/load.js';
import { createLogger } from '../../core/logger.js';
import { startSimulator } from '../../sim/index.js';
import { exitCodeForResult, printSummary, runDatabaseSync } from '../run-sync.js';

interface DemoFlags {
  file: string;
  scale: string;
  rps: string;
  latencyMs: string;
  seed: string;
  fresh: boolean;
  progress: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Start the local simulator and sync every table into a DuckDB file, then print a summary')
    .option('-f, --file <path>', 'DuckDB file to load', 'customerio-demo.duckdb')
    .option('--scale <n>', 'size of the simulated workspace', '1')
    .option('--rps <n>', "the simulator's rate limit (requests per second; 0 = none)", '10')
    .option('--latency-ms <n>', 'simulated latency per request', '0')
    .option('--seed <n>', 'seed of the simulated workspace', '1')
    .option('--fresh', 'delete the file first (otherwise a second demo run is incremental)', false)
    .option('--no-progress', 'plain log lines even on a terminal')
    .action(async (flags: DemoFlags) => {
      const rps = Number(flags.rps);
      const sim = await startSimulator({
        port: 0,
        scale: Number(flags.scale),
        rps,
        latencyMs: Number(flags.latencyMs),
        seed: Number(flags.seed),
      });
      try {
        if (flags.fresh) for (const suffix of ['', '.wal']) rmSync(`${flags.file}${suffix}`, { force: true });
        const config = resolveConfig({
          flags: {
            access_token: sim.token,
            base_url: sim.url,
            destination: `duckdb:${flags.file}`,
            ...(rps > 0 ? { max_requests_per_second: rps } : { max_requests_per_second: 1000 }),
          },
        });
        const logger = createLogger('text', [config.access_token]);
        logger.info(
          `Simulator at ${sim.url} (scale ${flags.scale}, ${rps > 0 ? `${rps} req/s` : 'no rate limit'})`,
        );
        const result = await runDatabaseSync({
          config,
          logger,
          progress: flags.progress && process.stderr.isTTY === true,
        });
        printSummary(
          result,
          `Loaded into ${flags.file}. Try: duckdb ${flags.file} "select count(*) from messages"\n`,
        );
        if (result.error) logger.error(`${result.error.code}: ${result.error.message}`);
        process.exitCode = exitCodeForResult(result);
      } finally {
        await sim.stop();
      }
    });
}
