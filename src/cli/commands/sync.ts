import type { Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { preflightDestination } from '../../destinations/registry.js';
import {
  addLogOptions,
  addSettingOptions,
  type ConfigFlags,
  configFromFlags,
  type LogFlags,
  SYNC_SETTINGS,
} from '../options.js';

interface SyncFlags extends ConfigFlags, LogFlags {
  progress: boolean;
  fullRefresh?: boolean;
}

export function registerSyncCommand(program: Command): void {
  const command = program
    .command('sync')
    .description('Replicate the selected tables into the destination (incremental where possible)');
  addLogOptions(addSettingOptions(command, SYNC_SETTINGS))
    .option('--no-progress', 'plain log lines even on a terminal')
    .option(
      '--full-refresh',
      'read the selected tables completely (marking deletions), even where a read of what changed would do',
    )
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
        fullRefresh: flags.fullRefresh === true,
      });
      printSummary(result);
      if (result.error) logger.error(`${result.error.code}: ${result.error.message}`);
      process.exitCode = exitCodeForResult(result);
    });
}
