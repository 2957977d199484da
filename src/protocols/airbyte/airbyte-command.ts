import type { Command } from 'commander';
import { readJsonFile } from '../../config/json-file.js';
import type { Config } from '../../config/schema.js';
import { CioError, exitCodeFor, isCioError } from '../../core/errors.js';
import { maskSecrets, rememberSecret } from '../../core/secrets.js';
import { checkConnection } from '../../engine/check.js';
import { createClientFor } from '../../engine/client-factory.js';
import { loadProtocolConfig } from '../shared/config-file.js';
import { toLines } from '../shared/line-writer.js';
import { runProtocolSync } from '../shared/protocol-sync.js';
import { allStreamSpecs } from '../shared/stream-specs.js';
import { airbyteCatalogMessage, selectionFromConfiguredCatalog } from './airbyte-catalog.js';
import { connectionStatusMessage, errorTraceMessage, logMessage } from './airbyte-messages.js';
import { createAirbyteSink } from './airbyte-sink.js';
import { airbyteSpecMessage } from './airbyte-spec.js';
import { readAirbyteStateFile } from './airbyte-state-file.js';

interface AirbyteFlags {
  config?: string;
  catalog?: string;
  state?: string;
}

/** Writes messages to stdout and waits until they are out (the process may exit right after). */
function emit(messages: readonly unknown[]): Promise<void> {
  return new Promise((resolve) => process.stdout.write(toLines(messages), () => resolve()));
}

function redactorFor(config: Config | undefined): (text: string) => string {
  const token = config?.access_token;
  return (text) => (token ? maskSecrets(text, [token]) : text);
}

/** Airbyte's config may carry keys of the platform's own: dropped, and said so in a LOG. */
function loadConfig(file: string | undefined): { config: Config; notes: unknown[] } {
  if (!file)
    throw new CioError('CIO_ERR_CONFIG', 'This command needs --config FILE (the connector config JSON).');
  const { config, ignored } = loadProtocolConfig(file);
  rememberSecret(config.access_token);
  const notes =
    ignored.length > 0
      ? [logMessage('WARN', `Ignored settings this source does not know: ${ignored.join(', ')}.`)]
      : [];
  return { config, notes };
}

/**
 * Every failure of a source ends the same way: a TRACE ERROR on stdout (the platform's reason for
 * the failure), then a non-zero exit.
 */
async function failWith(error: unknown, config?: Config): Promise<void> {
  const redact = redactorFor(config);
  await emit([errorTraceMessage(error, { emittedAt: Date.now(), redact })]);
  // Also one line on stderr, for whoever runs the source by hand or reads the container's log.
  const text = isCioError(error) ? `${error.code}: ${error.message}` : String(error);
  process.stderr.write(`error: ${redact(text).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = exitCodeFor(error);
}

async function check(flags: AirbyteFlags): Promise<void> {
  let config: Config | undefined;
  let notes: unknown[] = [];
  try {
    const loaded = loadConfig(flags.config);
    config = loaded.config;
    notes = loaded.notes;
    const client = createClientFor(config);
    try {
      const reached = await checkConnection(client);
      const names = reached.workspaces.map((w) => w.name).join(', ');
      const detail = reached.limitedScope
        ? 'the key works but cannot list workspaces'
        : `workspace(s): ${names || 'none'}`;
      await emit([...notes, connectionStatusMessage(true, `Connected to Customer.io: ${detail}.`)]);
    } finally {
      await client.close();
    }
  } catch (error) {
    // A key, region or setting the user must fix is a FAILED check, which still exits 0.
    if (!isCioError(error)) return failWith(error, config);
    await emit([...notes, connectionStatusMessage(false, redactorFor(config)(error.message))]);
  }
}

async function read(flags: AirbyteFlags): Promise<void> {
  const { config, notes } = loadConfig(flags.config);
  if (!flags.catalog)
    throw new CioError('CIO_ERR_CONFIG', 'read needs --catalog FILE (the configured catalog JSON).');
  const { selection, warnings } = selectionFromConfiguredCatalog(
    readJsonFile(flags.catalog, 'catalog'),
    allStreamSpecs(),
  );
  await runProtocolSync({
    config,
    selection,
    statePath: flags.state,
    readStateFile: readAirbyteStateFile,
    createSink: (state) =>
      createAirbyteSink({ out: process.stdout, ...(state ? { state } : {}), redact: redactorFor(config) }),
    beforeRead: () => emit([...notes, ...warnings.map((w) => logMessage('WARN', w))]),
    onFailure: (error, sink) => sink.fail(error),
    // As the Airbyte CDK ends a read whose streams did not all sync: each stream already said
    // INCOMPLETE; a TRACE ERROR (config_error) per skipped stream, then a non-zero exit.
    onPartial: async (result, sink) => {
      for (const [name, stats] of Object.entries(result.streams)) {
        if (stats.status !== 'skipped') continue;
        const reason = `Stream ${name} did not sync: ${stats.error ?? 'the key lacks its scope'}`;
        await sink.fail(new CioError('CIO_ERR_FORBIDDEN', reason, { stream: name, status: 403 }));
      }
    },
  });
}

/** Runs one Airbyte command, turning any failure into a TRACE ERROR on stdout. */
function guarded(run: (flags: AirbyteFlags) => Promise<void>): (flags: AirbyteFlags) => Promise<void> {
  return async (flags) => {
    try {
      await run(flags);
    } catch (error) {
      await failWith(error);
    }
  };
}

/** `cio-sync airbyte spec|check|discover|read`: an Airbyte source; stdout carries only AirbyteMessages. */
export function registerAirbyteCommand(program: Command): void {
  const airbyte = program
    .command('airbyte')
    .description('Run as an Airbyte source (protocol v0): spec, check, discover, read');
  airbyte
    .command('spec')
    .description('Print the connector specification')
    // Accepted so one wrapper can pass the same flags to every command; the spec needs no config.
    .option('-c, --config <file>', 'ignored: the spec needs no config')
    .action(guarded(async () => emit([airbyteSpecMessage()])));
  airbyte
    .command('check')
    .description('Check the key and region (status FAILED still exits 0)')
    .option('-c, --config <file>', 'config JSON')
    .action(guarded(check));
  airbyte
    .command('discover')
    .description('Print the catalog of streams')
    .option('-c, --config <file>', 'config JSON')
    .action(
      guarded(async (flags) => {
        const { notes } = loadConfig(flags.config);
        await emit([...notes, airbyteCatalogMessage(allStreamSpecs())]);
      }),
    );
  airbyte
    .command('read')
    .description('Read the configured streams')
    .option('-c, --config <file>', 'config JSON')
    .option('--catalog <file>', 'configured catalog JSON')
    .option('--state <file>', 'state JSON from a previous read')
    .action(guarded(read));
}
