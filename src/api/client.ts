import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { CioError } from '../core/errors.js';
import { maskSecrets } from '../core/secrets.js';
import { abortReason } from './abort.js';
import type { RequestBudget } from './budget.js';
import { ACCEPT_ENCODING, type AttemptResult, sendAttempt } from './http-attempt.js';
import { buildQueryString } from './query.js';
import { backoffMs, classify, DEFAULT_MAX_RETRIES, type Verdict } from './retry.js';
import { watchSend } from './send-watch.js';
import type { ApiClient, ApiRequest, RequestOptions, RequestStats } from './types.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type ApiLogger = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

export interface ApiClientOptions {
  /** `https://api.customer.io`, `https://api-eu.customer.io` (see regionBaseUrl) or a simulator/proxy. */
  baseUrl: string;
  /** The App API key. Sent only in the Authorization header; scrubbed from every message. */
  token: string;
  budget: RequestBudget;
  /** Per attempt, headers and body together. Default 60 s. */
  timeoutMs?: number;
  /**
   * The most bytes of one response body, as sent and once decompressed; a larger body fails the
   * request (not retried), so a runaway page cannot exhaust memory. Default 64 MiB.
   */
  maxResponseBytes?: number;
  /** Retries of 5xx, network errors and malformed bodies. Default 5. */
  maxRetries?: number;
  /**
   * Retries of a 429 that carries Retry-After. Counted apart because waiting as told is cheap and
   * the workspace limit is shared with the customer's own traffic. Default 10.
   */
  maxRateLimitRetries?: number;
  /**
   * The most one table's requests wait on Retry-After in a run, all its 429s together; past it the
   * table fails with CIO_ERR_RATE_LIMITED. Default 15 minutes.
   */
  maxRateLimitWaitMs?: number;
  userAgent?: string;
  logger?: ApiLogger;
  /** Jitter source for backoff; tests pass a fixed one. */
  rng?: () => number;
}

const REGION_BASE_URLS = { us: 'https://api.customer.io', eu: 'https://api-eu.customer.io' } as const;

export function regionBaseUrl(region: 'us' | 'eu'): string {
  return REGION_BASE_URLS[region];
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Far above the largest real page (1000 deliveries, or 100 people with their attributes: megabytes). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_RATE_LIMIT_RETRIES = 10;
/**
 * The most a table's requests wait on Retry-After in one run, all its 429s together. Each wait
 * pauses every table (the limit is per workspace), so a server asking for 10 minutes again and again
 * would stall the whole run for hours; past this the table fails and the others go on.
 */
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 15 * 60_000;
/** Longer than undici's 4 s default: at 10 requests/s spread over streams a socket idles briefly. */
const KEEP_ALIVE_MS = 30_000;

function parseBaseUrl(baseUrl: string): { origin: string; basePath: string } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new CioError('CIO_ERR_CONFIG', 'The API base URL is not a valid URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CioError('CIO_ERR_CONFIG', `The API base URL must be http(s), not ${url.protocol}`);
  }
  // Hosts are often written with the version, `https://api.customer.io/v1`; every request path
  // carries it already.
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '').replace(/\/v1$/i, '') };
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const { budget, token, logger } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const maxRateLimitRetries = options.maxRateLimitRetries ?? DEFAULT_MAX_RATE_LIMIT_RETRIES;
  const maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS;
  /** Retry-After waited so far, by table ('' for requests of no table). */
  const waitedByStream = new Map<string, number>();
  const rng = options.rng ?? Math.random;
  const { origin, basePath } = parseBaseUrl(options.baseUrl);
  const pool = new Pool(origin, {
    connections: Math.max(1, budget.concurrency),
    keepAliveTimeout: KEEP_ALIVE_MS,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });
  const stats: RequestStats = { requests: 0, rateLimited: 0, retried: 0, byStream: {} };
  const baseHeaders: Record<string, string> = {
    authorization: `Bearer ${token}`,
    accept: 'application/json',
    'accept-encoding': ACCEPT_ENCODING,
    'user-agent': options.userAgent ?? 'cio-sync',
  };

  /** Defence in depth: an API that echoes the key (in an error detail, say) must not leak it. */
  const scrub = (text: string): string => maskSecrets(text, [token]);

  const log = (level: LogLevel, message: string, fields: Record<string, unknown>): void => {
    if (!logger) return;
    const clean: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields))
      clean[key] = typeof value === 'string' ? scrub(value) : value;
    logger(level, scrub(message), clean);
  };

  const failure = (
    verdict: Verdict,
    result: AttemptResult,
    req: ApiRequest,
    stream: string | undefined,
    note = '',
  ) =>
    new CioError(verdict.code, scrub(verdict.message + note), {
      status: 'status' in result ? result.status : undefined,
      path: req.path,
      stream,
      cause: result.kind === 'network' ? result.error : undefined,
    });

  async function request(req: ApiRequest, opts: RequestOptions = {}): Promise<unknown> {
    const { signal, stream } = opts;
    const shownTarget = req.path + buildQueryString(req.query);
    const headers =
      req.method === 'POST' ? { ...baseHeaders, 'content-type': 'application/json' } : baseHeaders;
    const body = req.method === 'POST' && req.body !== undefined ? JSON.stringify(req.body) : undefined;
    let failures = 0;
    let rateLimits = 0;
    for (let attempt = 1; ; attempt++) {
      // One start per attempt: a retry queues again, behind nobody it did not already pass.
      const release = await budget.start({ signal, key: stream });
      let result: AttemptResult;
      let startedAt = 0;
      // The budget counts the request from when it leaves, which may be later than its grant.
      const unwatch = watchSend(origin, req.method, basePath + shownTarget, release.sent);
      try {
        startedAt = performance.now();
        stats.requests++;
        if (attempt > 1) stats.retried++;
        if (stream !== undefined) stats.byStream[stream] = (stats.byStream[stream] ?? 0) + 1;
        result = await sendAttempt(pool, {
          method: req.method,
          target: basePath + shownTarget,
          path: req.path,
          headers,
          body,
          timeoutMs,
          signal,
          maxBytes: maxResponseBytes,
        });
      } finally {
        unwatch();
        release();
      }
      const fields = { method: req.method, path: shownTarget, stream, attempt };
      const status = 'status' in result ? result.status : undefined;
      log('debug', 'API request', { ...fields, status, ms: Math.round(performance.now() - startedAt) });
      if (result.kind === 'ok') {
        if (result.date !== undefined) opts.onDate?.(result.date);
        return result.body;
      }
      if (status === 429) stats.rateLimited++;

      const verdict = classify(result);
      if (verdict.action === 'fail') throw failure(verdict, result, req, stream);
      if (verdict.action === 'rate_limited') {
        rateLimits++;
        if (rateLimits > maxRateLimitRetries) {
          throw failure(
            verdict,
            result,
            req,
            stream,
            ` Gave up after ${maxRateLimitRetries} rate-limited retries.`,
          );
        }
        const waitMs = verdict.retryAfterMs ?? 1000;
        const waited = waitedByStream.get(stream ?? '') ?? 0;
        if (waited + waitMs > maxRateLimitWaitMs) {
          throw failure(
            verdict,
            result,
            req,
            stream,
            ` It asked to wait ${Math.ceil(waitMs / 1000)} s more after ${Math.ceil(waited / 1000)} s already waited for ${stream ?? 'this request'}; a table waits at most ${Math.ceil(maxRateLimitWaitMs / 1000)} s in a run. Run again later.`,
          );
        }
        waitedByStream.set(stream ?? '', waited + waitMs);
        // Everyone waits, not just this request: the limit is per workspace.
        budget.penalize(waitMs / 1000);
        log('warn', 'Rate limited by the API; pausing all requests', { ...fields, status, waitMs });
      } else {
        failures++;
        if (failures > maxRetries) {
          throw failure(
            { ...verdict, message: verdict.message.replace(/\.$/, '') },
            result,
            req,
            stream,
            `; gave up after ${maxRetries} ${maxRetries === 1 ? 'retry' : 'retries'}.`,
          );
        }
        const waitMs = backoffMs(failures, rng);
        log('warn', 'Retrying API request', {
          ...fields,
          status,
          code: verdict.code,
          reason: verdict.message,
          waitMs,
        });
        await pause(waitMs, signal);
      }
    }
  }

  return {
    request,
    stats,
    close: () => pool.close(),
  };
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) {
    if (signal?.aborted) throw abortReason(signal);
    return;
  }
  try {
    await sleep(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    throw signal?.aborted ? abortReason(signal) : error;
  }
}
