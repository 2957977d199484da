import { RequestBudget } from '../api/budget.js';
import { createApiClient, regionBaseUrl } from '../api/client.js';
import type { ApiClient } from '../api/types.js';
import type { Config } from '../config/schema.js';
import type { SyncEventListener } from './events.js';

/**
 * One log line from the client's message and fields. Events carry only text, so the reason a
 * request was retried (status, wait) must be in it, or an unattended run's log cannot explain itself.
 */
function describeApiLog(message: string, fields: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof fields.method === 'string' && typeof fields.path === 'string') {
    parts.push(`${fields.method} ${fields.path}`);
  }
  if (typeof fields.status === 'number') parts.push(`status ${fields.status}`);
  if (typeof fields.attempt === 'number' && fields.attempt > 1) parts.push(`attempt ${fields.attempt}`);
  if (typeof fields.ms === 'number') parts.push(`${fields.ms} ms`);
  if (typeof fields.waitMs === 'number') parts.push(`waiting ${(fields.waitMs / 1000).toFixed(1)} s`);
  const detail = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  const reason = typeof fields.reason === 'string' ? `: ${fields.reason}` : '';
  return `${message}${detail}${reason}`;
}

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
    maxResponseBytes: config.max_response_bytes,
    userAgent: config.user_agent ?? 'cio-sync',
    ...(emit
      ? {
          logger: (level, message, fields) => {
            const stream = typeof fields.stream === 'string' ? fields.stream : undefined;
            emit({
              type: 'log',
              level,
              message: describeApiLog(message, fields),
              ...(stream ? { stream } : {}),
            });
          },
        }
      : {}),
  });
}
