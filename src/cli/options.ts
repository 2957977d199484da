import { type Command, Option } from 'commander';
import { resolveConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { rememberSecret } from '../core/secrets.js';
import { readTokenFromStdin, TOKEN_FROM_STDIN } from './token-input.js';

/** The settings every command that talks to the API accepts as flags (they win over file and env). */
export function addConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'JSON config file')
    .option(
      '--access-token <token>',
      `App API key, or "-" to read it from stdin. A value given here stays visible in ps (under npx, in the npm exec parent for the whole run): prefer "-", CIO_ACCESS_TOKEN or the config file`,
    )
    .addOption(new Option('--region <region>', 'us or eu'))
    .option('--base-url <url>', 'API host override (e.g. the simulator)')
    .option('--start-date <date>', 'replicate from this day: MM/DD/YYYY, YYYY-MM-DD or ISO 8601')
    .option('--streams <names>', 'comma-separated tables (default: all)')
    .option('--max-requests-per-second <n>', 'shared request rate (default 10)')
    .option('--request-timeout <seconds>', 'per-request timeout (default 60)')
    .option('--concurrency <n>', 'requests in flight at most (default 8)')
    .option(
      '--max-response-bytes <n>',
      'largest API response read, as sent and decompressed (default 67108864 = 64 MiB)',
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
}

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
    },
  });
  // Without a required token the loader fills in a placeholder, which is no secret.
  if (requireToken) rememberSecret(config.access_token);
  return config;
}
