import type { Command } from 'commander';
import type { Destination } from '../../config/destination.js';
import { resolveConfig } from '../../config/load.js';
import { CioError } from '../../core/errors.js';
import { accessSavedState } from '../../destinations/registry.js';
import { isStreamName, STREAM_NAMES } from '../../streams/definitions.js';

interface StateFlags {
  config?: string;
  destination?: string;
  schema?: string;
  streams?: string;
}

function destinationOf(flags: StateFlags): Destination {
  return resolveConfig({
    ...(flags.config ? { file: flags.config } : {}),
    env: process.env,
    requireToken: false,
    flags: { destination: flags.destination, schema: flags.schema },
  }).destination;
}

export function registerStateCommand(program: Command): void {
  const state = program.command('state').description('Show or reset the bookmarks saved in the destination');
  for (const sub of ['show', 'reset'] as const) {
    const command = state
      .command(sub)
      .description(
        sub === 'show' ? 'Print the saved state (JSON)' : 'Forget bookmarks so the next sync reloads',
      )
      .option('-c, --config <file>', 'JSON config file')
      .option('-d, --destination <dest>', 'duckdb:<file> or postgres://...')
      .option('--schema <name>', 'PostgreSQL schema');
    if (sub === 'reset') command.option('--streams <names>', 'only these tables (comma-separated)');
    command.action(async (flags: StateFlags) => {
      const destination = destinationOf(flags);
      let streams: string[] | undefined;
      if (flags.streams) {
        streams = flags.streams.split(',').map((s) => s.trim());
        const unknown = streams.filter((s) => !isStreamName(s));
        if (unknown.length > 0) {
          throw new CioError(
            'CIO_ERR_CONFIG',
            `unknown table(s): ${unknown.join(', ')}. Known: ${STREAM_NAMES.join(', ')}.`,
          );
        }
      }
      const result = await accessSavedState(
        destination,
        sub === 'show' ? { kind: 'show' } : { kind: 'reset', ...(streams ? { streams } : {}) },
      );
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
  }
}
