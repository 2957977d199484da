import type { Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { readRunHistory } from '../../destinations/registry.js';
import { createClientFor } from '../../engine/client-factory.js';
import { planSync } from '../../engine/plan.js';
import { tablesToSync } from '../../streams/definitions.js';
import {
  addLogOptions,
  addSettingOptions,
  type ConfigFlags,
  configFromFlags,
  type LogFlags,
  SYNC_SETTINGS,
} from '../options.js';
import { formatPlan } from '../plan-format.js';

interface PlanFlags extends ConfigFlags, LogFlags {
  fullRefresh?: boolean;
}

export function registerPlanCommand(program: Command): void {
  const command = program
    .command('plan')
    .description('Estimate the requests and time of the next sync, per table (same options as sync)');
  addLogOptions(addSettingOptions(command, SYNC_SETTINGS))
    .option('--full-refresh', 'plan complete reads of the selected tables, as sync --full-refresh would')
    .action(async (flags: PlanFlags) => {
      const config = configFromFlags(flags);
      const logger = createLogger(flags.logFormat, [config.access_token], flags.logLevel);
      const names = tablesToSync(config.streams);
      // Nothing is written: a destination that does not exist yet plans a first sync.
      const history = await readRunHistory(config.destination);
      const client = createClientFor(config, (event) => {
        if (event.type === 'log') logger[event.level](event.message);
      });
      try {
        const plan = await planSync({
          names,
          state: history?.state ?? { bookmarks: {} },
          history: history?.runs ?? [],
          policy: { fullRefreshDays: config.full_refresh_days, settings: config },
          fullRefresh: flags.fullRefresh === true,
          requestsPerSecond: config.max_requests_per_second,
          client,
          ...(config.start_date ? { startDate: config.start_date } : {}),
          now: new Date(),
        });
        process.stdout.write(`${formatPlan(plan, config.max_requests_per_second)}\n`);
      } finally {
        await client.close();
      }
    });
}
