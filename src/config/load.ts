import { Value } from '@sinclair/typebox/value';
import { CioError } from '../core/errors.js';
import { isRecord } from '../core/json.js';
import { maskSecrets } from '../core/secrets.js';
import { isStreamName, STREAM_NAMES } from '../streams/definitions.js';
import { parseStartDate } from './dates.js';
import { type Destination, parseDestination } from './destination.js';
import { readJsonFile } from './json-file.js';
import { type Config, ConfigSchema, type Settings } from './schema.js';

export interface ConfigInput {
  /** Path of a JSON config file. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, keyed by config key; undefined values are ignored. */
  flags?: Record<string, unknown>;
  /** Some commands (discover, spec) need no token. */
  requireToken?: boolean;
  now?: Date;
}

/** Environment variables and the config keys they set. */
export const ENV_KEYS: Record<string, keyof Config> = {
  CIO_ACCESS_TOKEN: 'access_token',
  CIO_API_KEY: 'access_token',
  CIO_REGION: 'region',
  CIO_BASE_URL: 'base_url',
  CIO_START_DATE: 'start_date',
  CIO_STREAMS: 'streams',
  CIO_DESTINATION: 'destination',
  CIO_SCHEMA: 'schema',
  CIO_MAX_REQUESTS_PER_SECOND: 'max_requests_per_second',
  CIO_REQUEST_TIMEOUT: 'request_timeout',
  CIO_CONCURRENCY: 'concurrency',
  CIO_BATCH_SIZE_ROWS: 'batch_size_rows',
  CIO_MAX_RESPONSE_BYTES: 'max_response_bytes',
  CIO_WEBHOOK_SIGNING_KEY: 'webhook_signing_key',
  CIO_WEBHOOK_MAX_BODY_BYTES: 'webhook_max_body_bytes',
  CIO_FULL_REFRESH_DAYS: 'full_refresh_days',
  CIO_MESSAGES_RESCAN_DAYS: 'messages_rescan_days',
  CIO_CUSTOMERS_REFRESH: 'customers_refresh',
  CIO_METRICS_WINDOW_DAYS: 'metrics_window_days',
};

/** The environment variables that carry a secret (masked wherever output may show them). */
export const SECRET_ENV_NAMES: readonly string[] = Object.keys(ENV_KEYS).filter(
  (name) => ENV_KEYS[name] === 'access_token' || ENV_KEYS[name] === 'webhook_signing_key',
);

const NUMERIC_KEYS = new Set([
  'max_requests_per_second',
  'request_timeout',
  'concurrency',
  'batch_size_rows',
  'max_response_bytes',
  'webhook_max_body_bytes',
  'full_refresh_days',
  'messages_rescan_days',
  'metrics_window_days',
]);
/** Keys other Customer.io taps use that we accept and ignore, so their config files work as they are. */
const FOREIGN_KEYS = new Set(['site_id', 'user_agent_email', 'lookback_window', 'page_size']);

/**
 * The keys of a settings object that name no setting, no alias and no other tap's key: the schema
 * refuses them. Protocol runs drop them instead, since orchestrators add keys of their own.
 */
export function unknownSettingKeys(raw: Record<string, unknown>): string[] {
  return Object.keys(raw).filter(
    (key) => !Object.hasOwn(ConfigSchema.properties, key) && key !== 'api_key' && !FOREIGN_KEYS.has(key),
  );
}

function readConfigFile(path: string): Record<string, unknown> {
  const parsed = readJsonFile(path, 'config');
  if (!isRecord(parsed)) {
    throw new CioError('CIO_ERR_CONFIG', `Config file ${path} must hold a JSON object of settings.`);
  }
  return parsed;
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    out[key] = key === 'streams' ? value.split(',') : value;
  }
  return out;
}

function normalise(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (out.api_key !== undefined && out.access_token === undefined) out.access_token = out.api_key;
  delete out.api_key;
  for (const key of FOREIGN_KEYS) delete out[key];
  if (typeof out.access_token === 'string') out.access_token = out.access_token.trim();
  if (typeof out.region === 'string') out.region = out.region.trim().toLowerCase();
  if (typeof out.customers_refresh === 'string')
    out.customers_refresh = out.customers_refresh.trim().toLowerCase();
  if (typeof out.streams === 'string') out.streams = out.streams.split(',');
  if (Array.isArray(out.streams)) {
    out.streams = out.streams.map((s) => (typeof s === 'string' ? s.trim() : s)).filter((s) => s !== '');
  }
  for (const key of NUMERIC_KEYS) {
    const value = out[key];
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
      out[key] = Number(value);
    }
  }
  return out;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

function checkBaseUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `base_url "${value}" is not a URL. Use e.g. https://api.customer.io or http://127.0.0.1:PORT for the simulator.`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return undefined;
  if (url.protocol === 'http:') {
    return `base_url "${value}" uses plain http to a non-loopback host, which would send the key unencrypted. Use https.`;
  }
  return `base_url "${value}" must be an http(s) URL.`;
}

function describeSchemaError(path: string, message: string, value: unknown): string {
  const key = path.replace(/^\//, '').replace(/\//g, '.');
  if (key === 'region') return `region "${String(value)}" is unknown. Use "us" or "eu".`;
  if (key === 'customers_refresh') {
    return `customers_refresh "${String(value)}" is unknown. Use "full" or "changes".`;
  }
  if (key === 'access_token' || key === '') {
    if (key === 'access_token')
      return 'access_token is empty. Set the App API key (config, --access-token or CIO_ACCESS_TOKEN).';
  }
  if (message.includes('Unexpected property')) {
    return `unknown setting "${key}". Known settings: ${Object.keys(ConfigSchema.properties).join(', ')}.`;
  }
  return `${key || 'config'}: ${message}.`;
}

/**
 * Merges the settings (file, then environment, then flags: later wins), validates all of them and
 * throws one CioError (CIO_ERR_CONFIG) listing every problem, each with what to do.
 */
export function resolveConfig(input: ConfigInput): Config {
  const merged = {
    ...normalise(input.file ? readConfigFile(input.file) : {}),
    ...normalise(fromEnv(input.env ?? {})),
    ...normalise(Object.fromEntries(Object.entries(input.flags ?? {}).filter(([, v]) => v !== undefined))),
  };
  const requireToken = input.requireToken ?? true;
  const problems: string[] = [];
  if (merged.access_token === undefined || merged.access_token === '') {
    if (requireToken) {
      problems.push(
        'access_token is missing. Set the Customer.io App API key in the config file, with --access-token, or in CIO_ACCESS_TOKEN.',
      );
    }
    merged.access_token = requireToken ? '' : 'unset';
  }
  const config = Value.Default(ConfigSchema, structuredClone(merged)) as Record<string, unknown>;
  for (const error of Value.Errors(ConfigSchema, config)) {
    if (error.path === '/access_token' && problems.length > 0) continue;
    const message = describeSchemaError(error.path, error.message, error.value);
    if (!problems.includes(message)) problems.push(message);
  }
  if (typeof config.base_url === 'string') {
    const problem = checkBaseUrl(config.base_url);
    if (problem) problems.push(problem);
  }
  let startDate: Date | undefined;
  if (typeof config.start_date === 'string') {
    try {
      startDate = parseStartDate(config.start_date, input.now);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (Array.isArray(config.streams)) {
    const unknown = config.streams.filter((s) => typeof s !== 'string' || !isStreamName(s));
    if (unknown.length > 0) {
      problems.push(`unknown table(s): ${unknown.join(', ')}. Known tables: ${STREAM_NAMES.join(', ')}.`);
    }
    if (config.streams.length === 0)
      problems.push('streams is empty. Name at least one table, or omit it for all.');
  }
  let destination: Destination | undefined;
  if (typeof config.destination === 'string') {
    try {
      destination = parseDestination(
        config.destination,
        typeof config.schema === 'string' ? config.schema : undefined,
      );
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  // No destination without a problem: the schema check reports a destination that is not a string.
  if (problems.length > 0 || destination === undefined) {
    const text =
      problems.length === 1 ? problems[0]! : `Invalid configuration:\n  - ${problems.join('\n  - ')}`;
    throw new CioError('CIO_ERR_CONFIG', maskSecrets(text, [String(merged.access_token ?? '')]));
  }
  // The texts of start_date and destination give way to the values they name: nothing downstream
  // parses them again.
  const { start_date: _asWritten, ...parsed } = config as Settings;
  return startDate === undefined
    ? { ...parsed, destination }
    : { ...parsed, destination, start_date: startDate };
}
