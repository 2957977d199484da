import type { Command } from 'commander';
import { checkConnection } from '../../engine/check.js';
import { createClientFor } from '../../engine/client-factory.js';
import { addConfigOptions, type ConfigFlags, configFromFlags } from '../options.js';

export function registerCheckCommand(program: Command): void {
  addConfigOptions(
    program.command('check').description('Verify the App API key and region with one cheap call'),
  ).action(async (flags: ConfigFlags) => {
    const config = configFromFlags(flags);
    const client = createClientFor(config);
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
