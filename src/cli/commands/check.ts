import type { Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { checkConnection } from '../../engine/check.js';
import { createClientFor } from '../../engine/client-factory.js';
import {
  API_SETTINGS,
  addLogOptions,
  addSettingOptions,
  type ConfigFlags,
  configFromFlags,
  type LogFlags,
} from '../options.js';

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description('Verify the App API key and region with one cheap call');
  addLogOptions(addSettingOptions(command, API_SETTINGS)).action(async (flags: ConfigFlags & LogFlags) => {
    const config = configFromFlags(flags);
    const logger = createLogger(flags.logFormat, [config.access_token], flags.logLevel);
    // The client's retries (warn) and requests (debug) are logged as in a sync.
    const client = createClientFor(config, (event) => {
      if (event.type === 'log') logger[event.level](event.message);
    });
    try {
      const result = await checkConnection(client);
      const host = config.base_url ?? (config.region === 'eu' ? 'api-eu.customer.io' : 'api.customer.io');
      const where = result.limitedScope
        ? 'the key works, but it may not list workspaces'
        : `workspace(s): ${result.workspaces.map((w) => `${w.name} (${String(w.id)})`).join(', ') || 'none'}`;
      process.stdout.write(`OK: reached ${host} (region ${config.region}); ${where}\n`);
    } finally {
      await client.close();
    }
  });
}
