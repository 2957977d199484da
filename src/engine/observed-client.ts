import type { ApiClient } from '../api/types.js';
import type { SyncEventListener } from './events.js';

/**
 * The run's client, reporting every request once it is answered (or has failed for good), so a
 * table's progress moves with its requests (customers' attribute calls, a suppression list's pages)
 * and not only when a page reaches the destination. Counts are this run's: a client handed in by a
 * library caller may have served others before.
 */
export function observeRequests(client: ApiClient, emit: SyncEventListener): ApiClient {
  const runBefore = client.stats.requests;
  const streamBefore = { ...client.stats.byStream };
  const streamRequests = (stream: string) =>
    (client.stats.byStream[stream] ?? 0) - (streamBefore[stream] ?? 0);
  const report = (stream: string | undefined) => {
    const runRequests = client.stats.requests - runBefore;
    if (stream !== undefined) {
      emit({ type: 'request', stream, requests: streamRequests(stream), runRequests });
      return;
    }
    // The run's own requests (the key check): what no table's count holds.
    const byTables = Object.keys(client.stats.byStream).reduce((sum, name) => sum + streamRequests(name), 0);
    emit({ type: 'request', requests: runRequests - byTables, runRequests });
  };
  return {
    get stats() {
      return client.stats;
    },
    close: () => client.close(),
    async request(req, opts) {
      try {
        return await client.request(req, opts);
      } finally {
        report(opts?.stream);
      }
    },
  };
}
