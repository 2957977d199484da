import type { PostgresDestination } from '../../config/destination.js';
import type { DestinationEntry } from '../destination-entry.js';

/** `postgres://...`: a schema of a PostgreSQL database, created on the first sync. */
export const postgresDestination: DestinationEntry<PostgresDestination> = {
  load: async ({ url, schema }) => (await import('./postgres-sink.js')).createPostgresSink({ url, schema }),
  // Nothing to check without the server: the sink reports an unusable one when it connects, and
  // the URL itself was checked when the setting was parsed.
  preflight: () => undefined,
  openState: async (destination) => (await import('./postgres-connection.js')).openPostgresState(destination),
  // Its syncs stay near 210 MB anyway; a smaller heap only cost CPU.
  tightHeap: false,
};
