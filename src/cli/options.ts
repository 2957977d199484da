import { type Command, Option } from 'commander';
import { ENV_KEYS, resolveConfig } from '../config/load.js';
import { type Config, ConfigSchema } from '../config/schema.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../core/logger.js';
import { rememberSecret } from '../core/secrets.js';
import { readTokenFromStdin, TOKEN_FROM_STDIN } from './token-input.js';

/** The settings a command may take as flags (they win over the config file and the environment). */
export type SettingKey =
  | 'access_token'
  | 'region'
  | 'base_url'
  | 'start_date'
  | 'streams'
  | 'destination'
  | 'schema'
  | 'max_requests_per_second'
  | 'request_timeout'
  | 'concurrency'
  | 'batch_size_rows'
  | 'max_response_bytes'
  | 'full_refresh_days'
  | 'messages_rescan_days'
  | 'customers_refresh';

/** Each setting's flag and help; the default shown comes from the config schema, so it is written once. */
const SETTING_FLAGS: Record<SettingKey, { flags: string; help: string; shownDefault?: string }> = {
  access_token: {
    flags: '--access-token <token>',
    help: 'App API key, or "-" to read it from stdin. A value given here stays visible in ps (under npx, in the npm exec parent for the whole run): prefer "-", CIO_ACCESS_TOKEN or the config file',
  },
  region: { flags: '--region <region>', help: 'us or eu' },
  base_url: { flags: '--base-url <url>', help: 'API host override (e.g. the simulator)' },
  start_date: {
    flags: '--start-date <date>',
    help: 'replicate from this day: MM/DD/YYYY, YYYY-MM-DD or ISO 8601',
  },
  streams: { flags: '--streams <names>', help: 'comma-separated tables', shownDefault: 'all' },
  destination: { flags: '-d, --destination <dest>', help: 'duckdb:<file> or postgres://user@host:port/db' },
  schema: { flags: '--schema <name>', help: 'PostgreSQL schema' },
  max_requests_per_second: { flags: '--max-requests-per-second <n>', help: 'shared request rate' },
  request_timeout: { flags: '--request-timeout <seconds>', help: 'per-request timeout' },
  concurrency: { flags: '--concurrency <n>', help: 'requests in flight at most' },
  batch_size_rows: { flags: '--batch-size-rows <n>', help: 'rows committed per transaction' },
  max_response_bytes: {
    flags: '--max-response-bytes <n>',
    help: 'largest API response read, as sent and decompressed',
    shownDefault: '67108864 = 64 MiB',
  },
  full_refresh_days: {
    flags: '--full-refresh-days <days>',
    help: 'days between complete reads of the tables read by what changed (0: always complete)',
  },
  messages_rescan_days: {
    flags: '--messages-rescan-days <days>',
    help: 'messages read between complete reads: from the newest loaded minus these days',
  },
  customers_refresh: {
    flags: '--customers-refresh <mode>',
    help: 'full (every person every sync) or changes (only people with person-changing activities)',
  },
};

/** The default of a setting as the config schema gives it, in the one form help shows defaults. */
function schemaDefault(key: SettingKey): string | undefined {
  const value = (ConfigSchema.properties[key] as { default?: unknown }).default;
  return value === undefined ? undefined : String(value);
}

/** `(default: X)`, the way commander itself shows a default: every option's help says it alike. */
export function withDefault(help: string, value: string | undefined): string {
  return value === undefined ? help : `${help} (default: ${value})`;
}

/** An option with a default, shown as `(default: X)` like every other (commander would quote text). */
export function defaulted<T>(flags: string, help: string, value: T, parse?: (raw: string) => T): Option {
  const option = new Option(flags, help).default(value, String(value));
  return parse ? option.argParser(parse) : option;
}

/**
 * Adds `-c, --config` and the flags of `keys`, and lists the environment variables of those
 * settings under the command's help.
 */
export function addSettingOptions(command: Command, keys: readonly SettingKey[]): Command {
  command.option('-c, --config <file>', 'JSON config file (settings: see the README)');
  for (const key of keys) {
    const { flags, help, shownDefault } = SETTING_FLAGS[key];
    command.addOption(new Option(flags, withDefault(help, shownDefault ?? schemaDefault(key))));
  }
  const variables = Object.entries(ENV_KEYS)
    .filter(([, key]) => (keys as readonly string[]).includes(key))
    .map(([name, key]) => `  ${name.padEnd(30)} ${key}`);
  if (variables.length > 0) {
    command.addHelpText(
      'after',
      `\nEnvironment (a flag wins over its variable, a variable over the config file):\n${variables.join('\n')}`,
    );
  }
  return command;
}

/** The settings `sync` takes: every one. */
export const SYNC_SETTINGS: readonly SettingKey[] = Object.keys(SETTING_FLAGS) as SettingKey[];
/** What one request to the API needs. */
export const API_SETTINGS: readonly SettingKey[] = ['access_token', 'region', 'base_url', 'request_timeout'];
/** What finding the destination needs. */
export const DESTINATION_SETTINGS: readonly SettingKey[] = ['destination', 'schema'];

export interface LogFlags {
  logFormat: LogFormat;
  logLevel: LogLevel;
}

/** `--log-format` and `--log-level`, on every command that talks to the API or a destination. */
export function addLogOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--log-format <format>', 'log lines (and a failure) on stderr as')
        .choices(LOG_FORMATS)
        .default('text', 'text'),
    )
    .addOption(
      new Option('--log-level <level>', 'least severe level logged')
        .choices(LOG_LEVELS)
        .default('info', 'info'),
    );
}

export interface ConfigFlags {
  config?: string;
  accessToken?: string;
  region?: string;
  baseUrl?: string;
  startDate?: string;
  streams?: string;
  destination?: string;
  schema?: string;
  maxRequestsPerSecond?: string;
  requestTimeout?: string;
  concurrency?: string;
  batchSizeRows?: string;
  maxResponseBytes?: string;
  fullRefreshDays?: string;
  messagesRescanDays?: string;
  customersRefresh?: string;
}

/** The settings from the config file, the environment and the flags (later wins), validated. */
export function configFromFlags(flags: ConfigFlags, requireToken = true): Config {
  const accessToken = flags.accessToken === TOKEN_FROM_STDIN ? readTokenFromStdin() : flags.accessToken;
  const config = resolveConfig({
    ...(flags.config ? { file: flags.config } : {}),
    env: process.env,
    requireToken,
    flags: {
      access_token: accessToken,
      region: flags.region,
      base_url: flags.baseUrl,
      start_date: flags.startDate,
      streams: flags.streams,
      destination: flags.destination,
      schema: flags.schema,
      max_requests_per_second: flags.maxRequestsPerSecond,
      request_timeout: flags.requestTimeout,
      concurrency: flags.concurrency,
      batch_size_rows: flags.batchSizeRows,
      max_response_bytes: flags.maxResponseBytes,
      full_refresh_days: flags.fullRefreshDays,
      messages_rescan_days: flags.messagesRescanDays,
      customers_refresh: flags.customersRefresh,
    },
  });
  // Without a required token the loader fills in a placeholder, which is no secret.
  if (requireToken) rememberSecret(config.access_token);
  return config;
}
