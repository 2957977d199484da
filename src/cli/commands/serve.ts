import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { CioError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { rememberSecret } from '../../core/secrets.js';
import { preflightDestination } from '../../destinations/registry.js';
import { type ListenAddress, parseListenAddress } from '../../serve/listen-address.js';
import { SHUTDOWN_DEADLINE_MS } from '../../serve/run-serve.js';
import { signingKeys } from '../../serve/signature.js';
import { parseDuration } from '../../serve/sync-schedule.js';
import {
  addLogOptions,
  addSettingOptions,
  type ConfigFlags,
  configFromFlags,
  defaulted,
  type LogFlags,
  SYNC_SETTINGS,
} from '../options.js';

interface ServeFlags extends ConfigFlags, LogFlags {
  listen: ListenAddress;
  syncEvery: number;
  tlsCert?: string;
  tlsKey?: string;
}

function duration(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined)
    throw new InvalidArgumentError('expected a duration such as 15m, 1h, 90s, or 0 for never');
  return ms;
}

function listenAddress(raw: string): ListenAddress {
  try {
    return parseListenAddress(raw);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description(
      "Receive Customer.io's reporting webhooks into the table delivery_events, and sync on a schedule in the same process",
    )
    .addOption(
      defaulted<ListenAddress>(
        '--listen <host:port>',
        'address to listen on',
        { host: '127.0.0.1', port: 8080 },
        listenAddress,
      ).default({ host: '127.0.0.1', port: 8080 }, '127.0.0.1:8080'),
    )
    .addOption(
      defaulted(
        '--sync-every <duration>',
        'run the incremental sync this often (15m, 1h; 0 = never, then no API key is needed)',
        3_600_000,
        duration,
      ).default(3_600_000, '1h'),
    )
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain) instead of HTTP')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert');
  addLogOptions(addSettingOptions(command, SYNC_SETTINGS))
    .addHelpText(
      'after',
      '  CIO_WEBHOOK_SIGNING_KEY        webhook_signing_key (required; comma-separated while rotating; never a flag)\n  CIO_WEBHOOK_MAX_BODY_BYTES     webhook_max_body_bytes',
    )
    .action(async (flags: ServeFlags) => {
      const config = configFromFlags(flags, flags.syncEvery > 0);
      const keys = signingKeys(config.webhook_signing_key);
      for (const key of keys) rememberSecret(key);
      const tls = readTls(flags);
      preflightDestination(config.destination);
      const logger = createLogger(flags.logFormat, [config.access_token, ...keys], flags.logLevel);
      const [{ runServe }, { formatSummary, runDatabaseSync }] = await Promise.all([
        import('../../serve/run-serve.js'),
        import('../run-sync.js'),
      ]);
      await runServe({
        destination: config.destination,
        keys,
        maxBodyBytes: config.webhook_max_body_bytes,
        listen: flags.listen,
        ...(tls ? { tls } : {}),
        syncEveryMs: flags.syncEvery,
        runSync: async () => {
          const result = await runDatabaseSync({ config, logger, progress: false });
          for (const line of formatSummary(result).split('\n')) logger.info(line);
          return result;
        },
        logger,
        stopped: untilSignal(),
      });
      process.exitCode = 0;
    });
}

function readTls(flags: ServeFlags): { cert: Buffer; key: Buffer } | undefined {
  if (flags.tlsCert === undefined && flags.tlsKey === undefined) return undefined;
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) {
    throw new CioError('CIO_ERR_CONFIG', '--tls-cert and --tls-key go together: give both, or neither.');
  }
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new CioError(
        'CIO_ERR_CONFIG',
        `Cannot read the TLS ${what} ${file}: ${(error as Error).message}`,
      );
    }
  };
  return { cert: read(flags.tlsCert, 'certificate'), key: read(flags.tlsKey, 'key') };
}

/** Resolves on SIGINT or SIGTERM; from then on the process has SHUTDOWN_DEADLINE_MS to finish. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      setTimeout(() => {
        process.stderr.write('error: shutdown took longer than 30 s; exiting\n');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
