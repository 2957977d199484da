import type { PostgresDestination } from '../../config/destination.js';
import type { DestinationEntry } from '../destination-entry.js';
import { fitIdentifier } from '../sql/identifier-names.js';
import { quoteIdentifier } from '../sql/quote-identifier.js';
import { POSTGRES_IDENTIFIERS } from './postgres-dialect.js';
import { parsePostgresUrl } from './postgres-target.js';

/** `postgres://...`: a schema of a PostgreSQL database, created on the first sync. */
export const postgresDestination: DestinationEntry<PostgresDestination> = {
  load: async ({ url, schema }) => (await import('./postgres-sink.js')).createPostgresSink({ url, schema }),
  // Nothing to check without the server: the sink reports an unusable one when it connects, and
  // the URL itself was checked when the setting was parsed.
  preflight: () => undefined,
  openState: async (destination) => (await import('./postgres-connection.js')).openPostgresState(destination),
  query: async (destination, sql) => (await import('./postgres-query.js')).queryPostgres(destination, sql),
  openShared: async ({ url, schema }) => {
    const fitted = fitIdentifier(schema, POSTGRES_IDENTIFIERS);
    const dialect = (await import('./postgres-dialect.js')).postgresDialect(fitted);
    const connection = await import('./postgres-connection.js');
    return {
      dialect,
      session: await connection.connectPostgresShared(url, parsePostgresUrl(url), fitted, dialect),
    };
  },
  describe: ({ url, schema }) =>
    `The schema ${quoteIdentifier(fitIdentifier(schema, POSTGRES_IDENTIFIERS))} of PostgreSQL ${parsePostgresUrl(url).label}`,
  // Its syncs stay near 210 MB anyway; a smaller heap only cost CPU.
  tightHeap: false,
};
