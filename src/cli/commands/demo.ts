import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { resolveConfig } from '../../config/load.js';
import { createLogger } from '../../core/logger.js';
import { startSimulator } from '../../sim/index.js';
import { integer, nonNegative, positive } from '../number-args.js';
import { addLogOptions, defaulted, type LogFlags } from '../options.js';
import { exitCodeForResult, printSummary, runDatabaseSync } from '../run-sync.js';

interface DemoFlags {
  file: string;
  scale: number;
  rps: number;
  latencyMs: number;
  seed: number;
  fresh?: boolean;
  progress: boolean;
  webhookEvents: number;
  streams?: string;
}

/** The closing hint: a query a new user can paste as it is (quoted for a POSIX shell). */
export function demoHint(
  file: string,
  sql = 'select count(*) from messages',
  lead = `Loaded into ${file}.`,
): string {
  const destination = /^[\w./-]+$/.test(file) ? `duckdb:${file}` : `'duckdb:${file.replace(/'/g, `'\\''`)}'`;
  return `${lead} Try: npx cio-sync query -d ${destination} "${sql}"`;
}

export function registerDemoCommand(program: Command): void {
  const command = program
    .command('demo')
    .description('Start the local simulator and sync every table into a DuckDB file, then print a summary')
    .addOption(defaulted('-f, --file <path>', 'DuckDB file to load', 'customerio-demo.duckdb'))
    // The simulator's own checks, so a value `sim` refuses is refused here in the same words.
    .addOption(defaulted('--scale <s>', 'size multiplier (1 = ~2,500 messages, ~600 customers)', 1, positive))
    .addOption(
      defaulted('--rps <n>', "the simulator's rate limit (requests per second; 0 = none)", 10, nonNegative),
    )
    .addOption(defaulted('--latency-ms <n>', 'delay added to every response', 0, nonNegative))
    .addOption(defaulted('--seed <n>', 'seed of the simulated workspace', 1, integer))
    .option('--fresh', 'delete the file first (otherwise a second demo run is incremental)')
    .addOption(
      defaulted(
        '--webhook-events <n>',
        'then receive this many of the latest reporting-webhook events with `serve` (0 = none)',
        100,
        nonNegative,
      ),
    )
    .option('--streams <names>', 'comma-separated tables (default: all but the opt-in ones)');
  addLogOptions(command)
    .option('--no-progress', 'plain log lines even on a terminal')
    .action(async (flags: DemoFlags & LogFlags) => {
      const { rps } = flags;
      const sim = await startSimulator({
        port: 0,
        scale: flags.scale,
        rps,
        latencyMs: flags.latencyMs,
        seed: flags.seed,
      });
      try {
        if (flags.fresh) for (const suffix of ['', '.wal']) rmSync(`${flags.file}${suffix}`, { force: true });
        const config = resolveConfig({
          flags: {
            access_token: sim.token,
            base_url: sim.url,
            destination: `duckdb:${flags.file}`,
            ...(flags.streams === undefined ? {} : { streams: flags.streams }),
            ...(rps > 0 ? { max_requests_per_second: rps } : { max_requests_per_second: 1000 }),
          },
        });
        const logger = createLogger(flags.logFormat, [config.access_token], flags.logLevel);
        logger.info(
          `Simulator at ${sim.url} (scale ${flags.scale}, ${rps > 0 ? `${rps} req/s` : 'no rate limit'})`,
        );
        const result = await runDatabaseSync({
          config,
          logger,
          progress: flags.progress && flags.logFormat !== 'json' && process.stderr.isTTY === true,
        });
        printSummary(result, `${demoHint(flags.file)}\n`);
        if (result.error) logger.error(`${result.error.code}: ${result.error.message}`);
        if (flags.webhookEvents > 0 && !result.error) {
          const { demoWebhooks } = await import('../demo-webhooks.js');
          const write = (line: string) => process.stdout.write(`${line}\n`);
          const summary = await demoWebhooks(sim, config.destination, flags.webhookEvents, logger, write);
          write(
            demoHint(
              flags.file,
              'select object_type, metric, count(*) from delivery_events group by all',
              summary,
            ),
          );
        }
        process.exitCode = exitCodeForResult(result);
      } finally {
        await sim.stop();
      }
    });
}
