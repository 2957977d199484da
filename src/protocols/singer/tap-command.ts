import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { readJsonFile } from '../../config/json-file.js';
import { CioError, PARTIAL_EXIT_CODE } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { rememberSecret } from '../../core/secrets.js';
import { VERSION } from '../../core/version.js';
import type { SyncEvent } from '../../engine/events.js';
import type { StreamSelection } from '../../engine/sync.js';
import { tablesToSync } from '../../streams/definitions.js';
import type { JsonSchema } from '../../streams/types.js';
import { loadProtocolConfig } from '../shared/config-file.js';
import { runProtocolSync } from '../shared/protocol-sync.js';
import { protocolSettingsSchema } from '../shared/settings-schema.js';
import { allStreamSpecs } from '../shared/stream-specs.js';
import { singerCatalog } from './singer-catalog.js';
import { SingerMetrics } from './singer-metrics.js';
import { selectionFromSingerCatalog } from './singer-selection.js';
import { createSingerSink } from './singer-sink.js';
import { readSingerStateFile } from './singer-state-file.js';
import { ABOUT_FORMATS, type AboutFormat, aboutTap } from './tap-about.js';

interface TapFlags {
  config?: string;
  state?: string;
  catalog?: string;
  properties?: string;
  discover?: boolean;
  about?: boolean;
  format: AboutFormat;
  version?: boolean;
}

/** Tap-only settings (Meltano SDK names) that the shared config schema does not know. */
const TAP_SETTINGS: Record<string, JsonSchema> = {
  emit_activate_version_messages: {
    type: 'boolean',
    default: false,
    description: 'Stamp full-table records with a version and emit ACTIVATE_VERSION after a complete read.',
  },
  metrics_log_level: {
    type: 'string',
    default: 'INFO',
    description: 'METRIC lines are logged at INFO; WARNING or higher silences them.',
  },
};

const QUIET_LEVELS = new Set(['WARN', 'WARNING', 'ERROR', 'CRITICAL', 'FATAL', 'NONE', 'OFF']);

/** The tap-only settings are refused, as the shared ones are, when their value has the wrong type. */
function checkTapSettings(extras: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(extras)) {
    const type = TAP_SETTINGS[key]?.type;
    if (typeof type === 'string' && typeof value !== type) {
      throw new CioError('CIO_ERR_CONFIG', `${key} must be a ${type}, not ${JSON.stringify(value)}.`);
    }
  }
}

function settingsSchema(): JsonSchema {
  const base = protocolSettingsSchema();
  return { ...base, properties: { ...base.properties, ...TAP_SETTINGS } };
}

function logEvent(logger: Logger, event: SyncEvent): void {
  if (event.type === 'log') logger[event.level]({ stream: event.stream }, event.message);
  else if (event.type === 'stream_started')
    logger.info({ stream: event.stream }, event.resumed ? 'resuming' : 'started');
  else if (event.type === 'stream_completed')
    logger.info({ stream: event.stream }, `done: ${event.stats.rows} records`);
  else if (event.type === 'stream_failed')
    logger.error({ stream: event.stream }, `${event.error.code}: ${event.error.message}`);
  else if (event.type === 'stream_skipped') logger.warn({ stream: event.stream }, `skipped: ${event.reason}`);
}

async function runTap(flags: TapFlags): Promise<void> {
  if (flags.catalog !== undefined && flags.properties !== undefined) {
    throw new CioError(
      'CIO_ERR_CONFIG',
      'Pass the catalog once: --catalog FILE or its legacy name --properties FILE, not both.',
    );
  }
  const specs = allStreamSpecs();
  const { config, extras, ignored } = loadProtocolConfig(flags.config, {
    extraKeys: Object.keys(TAP_SETTINGS),
    requireToken: !flags.discover,
  });
  checkTapSettings(extras);
  if (!flags.discover) rememberSecret(config.access_token);
  const logger = createLogger('text', flags.discover ? [] : [config.access_token]);
  // Meltano hands every tap its SDK's settings (flattening_*, stream_maps, batch_config, ...).
  if (ignored.length > 0) logger.warn(`Ignored settings this tap does not know: ${ignored.join(', ')}.`);
  if (flags.discover) {
    process.stdout.write(`${JSON.stringify(singerCatalog(specs), null, 2)}\n`);
    return;
  }
  const catalogFile = flags.catalog ?? flags.properties;
  const selection: StreamSelection[] = catalogFile
    ? selectionFromSingerCatalog(readJsonFile(catalogFile, 'catalog'), specs)
    : tablesToSync(config.streams).map((name) => ({ name }));
  const quiet = QUIET_LEVELS.has(String(extras.metrics_log_level ?? 'INFO').toUpperCase());
  await runProtocolSync({
    config,
    selection,
    statePath: flags.state,
    readStateFile: readSingerStateFile,
    createSink: (state) =>
      createSingerSink({
        out: process.stdout,
        ...(state ? { state } : {}),
        emitActivateVersion: extras.emit_activate_version_messages === true,
        ...(quiet ? {} : { metrics: new SingerMetrics({ err: process.stderr }) }),
      }),
    onEvent: (event) => logEvent(logger, event),
    // Singer's convention for a fatal error: CRITICAL on stderr, then a non-zero exit.
    onFailure: (error) => {
      process.stderr.write(`CRITICAL ${error.code}: ${error.message}\n`);
    },
    // Singer has no partial status: an ERROR line, and the CLI's partial exit code (non-zero).
    onPartial: (result) => {
      const skipped = Object.keys(result.streams).filter(
        (name) => result.streams[name]?.status === 'skipped',
      );
      logger.error(
        `Streams skipped (the key lacks their scope): ${skipped.join(', ')}; the others are complete. Exit code ${PARTIAL_EXIT_CODE}.`,
      );
    },
  });
}

/** `cio-sync tap`: a Singer tap (singer-python flags plus the Meltano SDK's --about). */
export function registerTapCommand(program: Command): void {
  program
    .command('tap')
    .description('Run as a Singer tap: SCHEMA, RECORD and STATE messages on stdout')
    .option('-c, --config <file>', 'JSON config file (or ENV to read CIO_* variables only)')
    .option('-s, --state <file>', 'state from a previous run (its last STATE value)')
    .option('--catalog <file>', 'catalog choosing streams and fields (from --discover)')
    .option('-p, --properties <file>', 'legacy name of --catalog')
    .option('-d, --discover', 'print the catalog and exit')
    .option('--about', 'print what this tap is and its settings')
    .addOption(
      new Option('--format <format>', 'with --about: the format')
        .choices(ABOUT_FORMATS)
        .default('json', 'json'),
    )
    .option('--version', 'print the version')
    .action(async (flags: TapFlags) => {
      if (flags.version) {
        process.stdout.write(`cio-sync ${VERSION}\n`);
        return;
      }
      if (flags.about) {
        process.stdout.write(`${aboutTap(flags.format, settingsSchema())}\n`);
        return;
      }
      await runTap(flags);
    });
}
