import type { Command } from 'commander';
import { streamSpecFor } from '../../engine/catalog.js';
import { STREAM_DEFINITIONS } from '../../streams/definitions.js';
import { addSettingOptions, type ConfigFlags, configFromFlags } from '../options.js';

/** Prints the catalog: every table with its key, replication method, parent table if any, and JSON Schema. */
export function registerDiscoverCommand(program: Command): void {
  const command = program
    .command('discover')
    .description('Print the catalog of tables (JSON): keys, replication method, schema');
  // The catalog is the same for every workspace; --config is taken (and checked) so that one
  // config file works with every command.
  addSettingOptions(command, []).action((flags: ConfigFlags) => {
    if (flags.config !== undefined) configFromFlags(flags, false);
    const streams = STREAM_DEFINITIONS.map((def) => {
      const spec = streamSpecFor(def);
      return {
        name: spec.name,
        primary_key: spec.primaryKey,
        replication_method: spec.method,
        replication_key: spec.replicationKey ?? null,
        // Tables read per row of another: that table.
        ...(spec.parent ? { parent: spec.parent } : {}),
        schema: spec.schema,
      };
    });
    process.stdout.write(`${JSON.stringify({ streams }, null, 2)}\n`);
  });
}
