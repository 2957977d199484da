import { type Command, Option } from 'commander';
import { createLogger } from '../../core/logger.js';
import { queryDestination } from '../../destinations/registry.js';
import {
  addLogOptions,
  addSettingOptions,
  type ConfigFlags,
  configFromFlags,
  DESTINATION_SETTINGS,
  type LogFlags,
} from '../options.js';
import { formatQueryResult, QUERY_FORMATS, type QueryFormat } from '../query-output.js';

interface QueryFlags extends ConfigFlags, LogFlags {
  format: QueryFormat;
}

export function registerQueryCommand(program: Command): void {
  const command = program
    .command('query')
    .description(
      'Run one read-only SQL statement against the destination (DuckDB or PostgreSQL) and print the result',
    )
    .argument('<sql>', 'one statement, e.g. "select count(*) from messages"')
    .addOption(
      new Option('--format <format>', 'an aligned table, a JSON array of objects, or CSV')
        .choices(QUERY_FORMATS)
        .default('table', 'table'),
    );
  addLogOptions(addSettingOptions(command, DESTINATION_SETTINGS)).action(
    async (sql: string, flags: QueryFlags) => {
      const { destination } = configFromFlags(flags, false);
      const logger = createLogger(flags.logFormat, [], flags.logLevel);
      logger.debug(`query: ${sql}`);
      const result = await queryDestination(destination, sql);
      process.stdout.write(formatQueryResult(result, flags.format));
    },
  );
}
