import { type Command, Option } from 'commander';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../core/logger.js';
import { preflightDestination } from '../../destinations/registry.js';
import { addConfigOptions, type ConfigFlags, configFromFlags } from '../options.js';

interface SyncFlags extends ConfigFlags {
  logFormat: LogFormat;
  logLevel: LogLevel;
  progress: boolean;
}

export function registerSyncCommand(program: Command): void {
  addConfigOptions(
    program
      .command('sync')
      .description('Replicate the selected tables into the destination (incremental where possible)')
      .option('-d, --destination <dest>', 'duckdb:<file> or postgres://user@host:port/db')
      .option('--schema <name>', 'PostgreSQL schema (default public)')
      .option('--batch-size-rows <n>', 'rows committed per transaction (default 10000)'),
  )
    .addOption(
      new Option('--log-format <format>', 'log lines on stderr as').choices(LOG_FORMATS).default('text'),
    )
    .addOption(
      new Option('--log-level <level>', 'least severe level logged').choices(LOG_LEVELS).default('info'),
    )
    .option('--no-progress', 'plain log lines even on a terminal')
    .action(async (flags: SyncFlags) => {
      const config = configFromFlags(flags);
      // Before the API is asked anything: a destination that cannot be written is the user's to fix.
      preflightDestination(config.destination);
      // Loaded only now: the engine and the database bindings are most of the start-up time.
      const { exitCodeForResult, printSummary, runDatabaseSync } = await import('../run-sync.js');
      const logger = createLogger(flags.logFormat, [config.access_token], flags.logLevel);
      const result = await runDatabaseSync({
        config,
        logger,
        progress: flags.progress && flags.logFormat !== 'json' && process.stderr.isTTY === true,
      });
      printSummary(result);
      if (result.error) logger.error(`${result.error.code}: ${result.error.message}`);
      process.exitCode = exitCodeForResult(result);
    });
}
