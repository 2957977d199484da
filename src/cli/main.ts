#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { exitCodeFor, isCioError } from '../api/errors.js';
import { registerAirbyteCommand } from './commands/airbyte.js';
import { registerCheckCommand } from './commands/check.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDiscoverCommand } from './commands/discover.js';
import { registerSimCommand } from './commands/sim.js';
import { registerStateCommand } from './commands/state.js';
import { registerSyncCommand } from './commands/sync.js';
import { registerTapCommand } from './commands/tap.js';
import { maskSecrets, secretsFromProcess } from './secrets.js';
import { VERSION } from './version.js';

// The token may arrive as a flag: overwrite the process title so `ps` shows no argument.
const secrets = secretsFromProcess(process.argv, process.env);
process.title = 'cio-sync';

const program = new Command('cio-sync')
  .description('Replicate a Customer.io workspace into DuckDB, PostgreSQL, Singer or Airbyte')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

registerSyncCommand(program);
registerCheckCommand(program);
registerDiscoverCommand(program);
registerStateCommand(program);
registerDemoCommand(program);
registerSimCommand(program);
registerTapCommand(program);
registerAirbyteCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; a usage error is the user's to fix.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const message = isCioError(error)
      ? error.message
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`error: ${maskSecrets(message, secrets)}\n`);
    process.exitCode = exitCodeFor(error);
  }
}
