#!/usr/bin/env node
// First: hides a token given as a flag from `ps` before anything else loads.
import './process-title.js';
import { Command, CommanderError } from 'commander';
import { SECRET_ENV_NAMES } from '../config/load.js';
import { exitCodeFor, isCioError } from '../core/errors.js';
import { maskSecrets, rememberedSecrets, secretsFromProcess } from '../core/secrets.js';
import { VERSION } from '../core/version.js';

const secrets = secretsFromProcess(process.argv, process.env, SECRET_ENV_NAMES);

const program = new Command('cio-sync')
  .description('Replicate a Customer.io workspace into DuckDB, PostgreSQL, Singer or Airbyte')
  .version(VERSION)
  // A usage error is one line (schedulers keep the last line of stderr), with where to look next.
  .configureOutput({
    outputError: (text, write) =>
      write(`${maskSecrets(text.trim().replace(/\s*\n\s*/g, ' '), secrets)} (see --help)\n`),
  })
  .exitOverride();

type Registrar = (program: Command) => void;

/**
 * Each command's module, loaded on demand: a run loads only its own command (a scheduler pays for
 * the DuckDB binding only when it syncs), help and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  sync: async () => (await import('./commands/sync.js')).registerSyncCommand,
  plan: async () => (await import('./commands/plan.js')).registerPlanCommand,
  check: async () => (await import('./commands/check.js')).registerCheckCommand,
  discover: async () => (await import('./commands/discover.js')).registerDiscoverCommand,
  state: async () => (await import('./commands/state.js')).registerStateCommand,
  query: async () => (await import('./commands/query.js')).registerQueryCommand,
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
  sim: async () => (await import('./commands/sim.js')).registerSimCommand,
  serve: async () => (await import('./commands/serve.js')).registerServeCommand,
  tap: async () => (await import('../protocols/singer/tap-command.js')).registerTapCommand,
  airbyte: async () => (await import('../protocols/airbyte/airbyte-command.js')).registerAirbyteCommand,
};

/** A command run with `--log-format json` reports its failure as a JSON log line, like its other lines. */
let failureAsJson = false;
program.hook('preAction', (_program, command) => {
  failureAsJson = command.opts().logFormat === 'json';
});

const invoked = process.argv[2];
const needed = invoked !== undefined && invoked in COMMANDS ? [invoked] : Object.keys(COMMANDS);
for (const name of needed) (await COMMANDS[name]!())(program);

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
    const masked = maskSecrets(message, [...secrets, ...rememberedSecrets()]);
    process.stderr.write(
      failureAsJson
        ? `${JSON.stringify({ level: 50, time: Date.now(), code: isCioError(error) ? error.code : 'CIO_ERR_INTERNAL', msg: masked })}\n`
        : `error: ${masked}\n`,
    );
    process.exitCode = exitCodeFor(error);
  }
}
