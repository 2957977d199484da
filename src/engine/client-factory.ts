import { RequestBudget } from '../api/budget.js';
import { createApiClient, regionBaseUrl } from '../api/client.js';
import type { ApiClient } from '../api/types.js';
import type { Config } from '../config/schema.js';
import type { SyncEventListener } from './events.js';

/** The API client of a run: the region's host (or base_url) and one budget shared by every stream. */
export function createClientFor(config: Config, emit?: SyncEventListener): ApiClient {
  const budget = new RequestBudget({
    ratePerSecond: config.max_requests_per_second,
    concurrency: config.concurrency,
  });
  return createApiClient({
    baseUrl: config.base_url ?? regionBaseUrl(config.region),
    token: config.access_token,
    budget,
    timeoutMs: config.request_timeout * 1000,
    userAgent: config.user_agent ?? 'cio-sync',
    ...(emit
      ? {
          logger: (level, message, fields) => {
            const stream = typeof fields.stream === 'string' ? fields.stream : undefined;
            emit({ type: 'log', level, message, ...(stream ? { stream } : {}) });
          },
        }
      : {}),
  });
}
