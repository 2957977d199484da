import { type Static, Type } from '@sinclair/typebox';
import { DEFAULT_SCHEMA, type Destination } from './destination.js';

/**
 * The one schema of the settings. It gives the Config type, the validation, the README's reference,
 * the Singer `--about` settings and the Airbyte connectionSpecification.
 */
export const ConfigSchema = Type.Object(
  {
    access_token: Type.String({
      title: 'App API key',
      description: 'Customer.io App API key (bearer token). Also accepted as `api_key`.',
      minLength: 1,
      airbyte_secret: true,
      order: 0,
    }),
    region: Type.Union([Type.Literal('us'), Type.Literal('eu')], {
      title: 'Region',
      description: 'Data centre of the workspace: us (api.customer.io) or eu (api-eu.customer.io).',
      default: 'us',
      order: 1,
    }),
    base_url: Type.Optional(
      Type.String({
        title: 'Base URL',
        description:
          'Overrides the API host (for the simulator or a proxy). https, or http on a loopback address only.',
        order: 5,
      }),
    ),
    start_date: Type.Optional(
      Type.String({
        title: 'Start date',
        description:
          'Replicate data from this day on: MM/DD/YYYY, YYYY-MM-DD or ISO 8601. Default: everything.',
        examples: ['2024-01-01', '01/31/2024', '2024-01-01T00:00:00Z'],
        order: 2,
      }),
    ),
    streams: Type.Optional(
      Type.Array(Type.String(), {
        title: 'Tables',
        description: 'Tables to replicate. Default: all of them.',
        order: 6,
      }),
    ),
    destination: Type.String({
      title: 'Destination',
      description: 'duckdb:<file> or postgres://user@host:port/db (only for `cio-sync sync`).',
      default: 'duckdb:customerio.duckdb',
      order: 7,
    }),
    schema: Type.String({
      title: 'Database schema',
      description: 'PostgreSQL schema to load into.',
      default: DEFAULT_SCHEMA,
      order: 8,
    }),
    max_requests_per_second: Type.Number({
      title: 'Request rate',
      description: 'Requests per second shared by all tables (the App API allows 10).',
      default: 10,
      exclusiveMinimum: 0,
      maximum: 1000,
      order: 3,
    }),
    request_timeout: Type.Number({
      title: 'Request timeout (s)',
      description: 'Seconds to wait for one response before retrying.',
      default: 60,
      exclusiveMinimum: 0,
      maximum: 3600,
      order: 4,
    }),
    concurrency: Type.Integer({
      title: 'Concurrency',
      description: 'Requests in flight at once at most (the rate limit still applies).',
      default: 8,
      minimum: 1,
      maximum: 64,
      order: 9,
    }),
    batch_size_rows: Type.Integer({
      title: 'Batch size (rows)',
      description:
        'Rows a database destination commits per transaction, with the bookmark that covers them (a batch is also committed after 5 s). Larger loads faster; a crash re-reads at most one batch.',
      default: 10000,
      minimum: 1,
      maximum: 1000000,
      order: 11,
    }),
    max_response_bytes: Type.Integer({
      title: 'Largest response (bytes)',
      description:
        'Bytes of one API response, as sent and once decompressed, beyond which the table fails (not retried) instead of exhausting memory. Real pages are a few megabytes.',
      // src/api/client.ts DEFAULT_MAX_RESPONSE_BYTES: 64 MiB.
      default: 67108864,
      minimum: 1024,
      maximum: 1073741824,
      order: 12,
    }),
    full_refresh_days: Type.Number({
      title: 'Days between complete reads',
      description:
        'Database destinations: messages, activities, newsletters (and customers with customers_refresh = changes) read only what changed since the last read, and read completely once the last complete read is this many days old: only a complete read marks deleted rows and catches changes older than the rescan window. 0: every read is complete.',
      default: 7,
      minimum: 0,
      maximum: 3650,
      order: 13,
    }),
    messages_rescan_days: Type.Number({
      title: 'Messages rescan window (days)',
      description:
        'A read of messages between complete reads asks for deliveries created since the newest one loaded minus this many days: their metrics (opened, clicked...) still change, with no updated-at to ask by. Newsletters between complete reads are read newest first down to the newest one loaded minus this many days: an edit to an older newsletter arrives at the next complete read.',
      default: 7,
      minimum: 0,
      maximum: 180,
      order: 14,
    }),
    customers_refresh: Type.Union([Type.Literal('full'), Type.Literal('changes')], {
      title: 'Customers refresh',
      description:
        'full: every sync reads every person. changes: between complete reads, read the person-changing activities since the last read and fetch only those people (a complete read still every full_refresh_days, and whenever the last read is older than the 30 days activities are kept).',
      default: 'full',
      order: 15,
    }),
    metrics_window_days: Type.Integer({
      title: 'Metrics window (days)',
      description:
        'Trailing days of the metrics tables every sync reads again and overwrites (counts keep changing for weeks); older rows are final.',
      default: 45,
      minimum: 1,
      maximum: 3650,
      order: 16,
    }),
    user_agent: Type.Optional(Type.String({ title: 'User agent', order: 10 })),
    webhook_signing_key: Type.Optional(
      Type.String({
        title: 'Webhook signing key',
        description:
          'Signing key of the Customer.io reporting webhook (only for `cio-sync serve`); several, comma-separated, while rotating. Never a flag.',
        minLength: 1,
        airbyte_secret: true,
        order: 13,
      }),
    ),
    webhook_max_body_bytes: Type.Integer({
      title: 'Largest webhook body (bytes)',
      description: 'Bytes of one webhook request body beyond which `cio-sync serve` answers 413.',
      default: 5242880,
      minimum: 1024,
      maximum: 1073741824,
      order: 14,
    }),
  },
  { additionalProperties: false },
);

/** The settings as written (file, environment, flags) and as the schema validates them. */
export type Settings = Static<typeof ConfigSchema>;

/** The settings once validated and parsed: what the rest of the connector reads. */
export type Config = Omit<Settings, 'start_date' | 'destination'> & {
  /** The start date, parsed once (MM/DD/YYYY, YYYY-MM-DD or ISO 8601 in the settings). */
  start_date?: Date;
  /** The destination, parsed once (with the PostgreSQL schema, for that engine). */
  destination: Destination;
};
