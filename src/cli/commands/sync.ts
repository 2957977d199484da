import type { Command } from 'commander';
import { createLogger, type LogFormat } from '../logger.js';
import { addConfigOptions, type ConfigFlags, configFromFlags } from '../options.js';
import { exitCodeForResult, formatSummary, runDatabaseSync } from '../run-sync.js';

interface SyncFlags extends ConfigFlags {
  logFormat: LogFormat;
  progress: boolean;
}

export function registerSyncCommand(program: Command): void {
  addConfigOptions(
    program
      .command('sync')
      .description('Replicate the selected tables into the destination (incremental where possible)')
      .option('-d, --destination <dest>', 'duckdb:<file> or postgres://user@host:port/db')
      .option('--schema <name>', 'PostgreSQL schema (default public)'),
  )
    .option('--log-format <format>', 'text or json (on stderr)', 'text')
    .option('--no-progress', 'plain log lines even on a terminal')
    .action(async (flags: SyncFlags) => {
      const config = configFromFlags(flags);
      const logger = createLogger(flags.logFormat === 'json' ? 'json' : 'text', [config.access_token]);
      const result = await runDatabaseSync({
        config,
        logger,
        progress: flags.progress && flags.logFormat !== 'json' && process.stderr.isTTY === true,
      });
      process.stdout.write(`${formatSummary(result)}\n`);
      if (result.error) logger.error(`${result.error.code}: ${result.error.message}`);
      process.exitCode = exitCodeForResult(result);
    });
}
