import type { ErrorCode } from '../core/errors.js';

/** What one attempt ended with, as seen by the client. */
export type AttemptOutcome =
  | {
      kind: 'response';
      status: number;
      /** The path without host or query (never a URL with credentials). */
      path: string;
      /** The raw Retry-After header, when sent. */
      retryAfter?: string | undefined;
      /** The API's own error text (`errors[].detail`), when the body had one. */
      detail?: string | undefined;
    }
  /** A 2xx answer whose body is not a JSON object (truncated, HTML from a proxy, ...). */
  | { kind: 'bad_body'; status: number; path: string; reason: string }
  /**
   * A 2xx answer whose body passed `limit` bytes as sent or once inflated; reading stopped there.
   * Not retried: the same request brings the same body.
   */
  | { kind: 'too_large'; status: number; path: string; limit: number; stage: 'sent' | 'inflated' }
  /** No usable answer: reset, refused, DNS, our own attempt timeout. */
  | { kind: 'network'; path: string; error: unknown; timedOut?: boolean };

export type RetryAction = 'retry' | 'rate_limited' | 'fail';

export interface Verdict {
  action: RetryAction;
  code: ErrorCode;
  /** For `rate_limited`: how long the server asked everyone to wait. */
  retryAfterMs?: number;
  /** Says what happened and what to do; never contains the token (nothing here ever sees it). */
  message: string;
}

export interface ClassifyOptions {
  /** Wall-clock now, for Retry-After given as an HTTP date. Default Date.now(). */
  nowMs?: number;
  /** A longer Retry-After than this is treated like a quota: fail rather than sleep. Default 10 min. */
  maxRetryAfterMs?: number;
}

/** undici's defaults: 5 retries, 0.5 s doubling to a 30 s cap. */
export const DEFAULT_MAX_RETRIES = 5;
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 10 * 60_000;
/** The vendor's minimum Retry-After, used when the header is present but unreadable. */
const FALLBACK_RETRY_AFTER_MS = 1000;

export const AUTH_MESSAGE =
  'The Customer.io API refused the App API key (401). Check the key and the region: a key from the other region (us/eu) is refused.';

type ResponseOutcome = Extract<AttemptOutcome, { kind: 'response' }>;

interface StatusRule {
  matches: (status: number) => boolean;
  verdict: (outcome: ResponseOutcome, options: Required<ClassifyOptions>) => Verdict;
}

const exactly =
  (...statuses: number[]) =>
  (status: number): boolean =>
    statuses.includes(status);
const between =
  (low: number, high: number) =>
  (status: number): boolean =>
    status >= low && status <= high;

function withDetail(message: string, detail: string | undefined): string {
  return detail === undefined ? message : `${message} The API said: "${detail}".`;
}

/** First matching row wins; the order is the precedence. */
const STATUS_RULES: readonly StatusRule[] = [
  {
    matches: exactly(401),
    verdict: (o) => ({ action: 'fail', code: 'CIO_ERR_AUTH', message: withDetail(AUTH_MESSAGE, o.detail) }),
  },
  {
    matches: exactly(403),
    verdict: (o) => ({
      action: 'fail',
      code: 'CIO_ERR_FORBIDDEN',
      message: withDetail(
        `The Customer.io API refused access to ${o.path} (403): the key lacks the scope for ${o.path} (or the IP allow-list refuses this machine).`,
        o.detail,
      ),
    }),
  },
  {
    matches: exactly(404),
    verdict: (o) => ({
      action: 'fail',
      code: 'CIO_ERR_NOT_FOUND',
      message: withDetail(`The Customer.io API has no ${o.path} (404).`, o.detail),
    }),
  },
  { matches: exactly(429), verdict: classifyTooManyRequests },
  {
    matches: exactly(500, 502, 503, 504),
    verdict: (o) => ({
      action: 'retry',
      code: 'CIO_ERR_SERVER',
      message: withDetail(`The Customer.io API failed on ${o.path} (${o.status}).`, o.detail),
    }),
  },
  {
    matches: between(500, 599),
    verdict: (o) => ({
      action: 'fail',
      code: 'CIO_ERR_SERVER',
      message: withDetail(`The Customer.io API failed on ${o.path} (${o.status}).`, o.detail),
    }),
  },
  {
    matches: between(400, 499),
    verdict: (o) => ({
      action: 'fail',
      code: 'CIO_ERR_BAD_REQUEST',
      message: withDetail(`The Customer.io API rejected the request to ${o.path} (${o.status}).`, o.detail),
    }),
  },
  {
    // The App API never redirects (not even between regions), so a 3xx means a proxy or a wrong base URL.
    matches: between(300, 399),
    verdict: (o) => ({
      action: 'fail',
      code: 'CIO_ERR_BAD_RESPONSE',
      message: `The Customer.io API redirected ${o.path} (${o.status}); check the base URL.`,
    }),
  },
];

function classifyTooManyRequests(o: ResponseOutcome, options: Required<ClassifyOptions>): Verdict {
  if (o.retryAfter === undefined || o.retryAfter.trim() === '') {
    return {
      action: 'fail',
      code: 'CIO_ERR_RATE_LIMITED',
      message: withDetail(
        `The Customer.io API answered 429 without Retry-After for ${o.path}: a daily request quota is used up. Not retrying; run again after the quota resets.`,
        o.detail,
      ),
    };
  }
  const retryAfterMs = parseRetryAfter(o.retryAfter, options.nowMs) ?? FALLBACK_RETRY_AFTER_MS;
  if (retryAfterMs > options.maxRetryAfterMs) {
    return {
      action: 'fail',
      code: 'CIO_ERR_RATE_LIMITED',
      message: withDetail(
        `The Customer.io API asked to wait ${Math.ceil(retryAfterMs / 1000)} s before retrying ${o.path} (429); that is longer than this run waits. Run again later.`,
        o.detail,
      ),
    };
  }
  return {
    action: 'rate_limited',
    code: 'CIO_ERR_RATE_LIMITED',
    retryAfterMs,
    message: withDetail(`The Customer.io API rate-limited ${o.path} (429).`, o.detail),
  };
}

/**
 * Milliseconds to wait from a Retry-After value: delta seconds (RFC 9110; decimals tolerated) or an
 * HTTP date (a date in the past means 0). Undefined when the value is neither.
 */
export function parseRetryAfter(value: string, nowMs: number = Date.now()): number | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined; // Date.parse reads bare numbers like "-1" as years
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Network error codes worth another attempt (undici's list plus timeouts and DNS hiccups). */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** The `code` of an error or of its cause (fetch-style wrappers put it there). */
export function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/** The first `key` holding a string or number along an error's cause chain (net errors carry address, port). */
function errorField(error: unknown, key: string): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 3; depth++) {
    const value = (current as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    current = current.cause;
  }
  return undefined;
}

/** What failed, as a sentence: where it could not connect and why in words, or the raw reason. */
export function describeNetworkError(code: string | undefined, error: unknown, path: string): string {
  const address = errorField(error, 'address');
  const port = errorField(error, 'port');
  const endpoint =
    address === undefined ? 'the Customer.io API' : port === undefined ? address : `${address}:${port}`;
  const host = errorField(error, 'hostname');
  switch (code) {
    case 'ECONNREFUSED':
      return `Could not connect to ${endpoint} (connection refused).`;
    case 'ENOTFOUND':
      return `Could not find the host ${host ?? 'of the API'} (DNS lookup failed).`;
    case 'EAI_AGAIN':
      return `Could not look up the host ${host ?? 'of the API'} (DNS temporarily failing).`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `Could not connect to ${endpoint} (timed out).`;
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `Could not connect to ${endpoint} (network unreachable).`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return `The connection to the Customer.io API was cut while asking for ${path} (${code}).`;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return `Network error talking to the Customer.io API about ${path}: ${code === undefined ? '' : `${code} `}${reason.replace(/\.$/, '')}.`;
}

function classifyNetwork(o: Extract<AttemptOutcome, { kind: 'network' }>): Verdict {
  if (o.timedOut) {
    return {
      action: 'retry',
      code: 'CIO_ERR_NETWORK',
      message: `The Customer.io API did not answer ${o.path} in time.`,
    };
  }
  const code = errorCode(o.error);
  const text = describeNetworkError(code, o.error, o.path);
  if (code !== undefined && RETRYABLE_NETWORK_CODES.has(code)) {
    return { action: 'retry', code: 'CIO_ERR_NETWORK', message: text };
  }
  // Unknown codes (TLS certificate errors, invalid URLs, ...) will not cure themselves.
  return { action: 'fail', code: 'CIO_ERR_NETWORK', message: text };
}

/** Decides what to do after one attempt. Pure: the same outcome (and clock) gives the same verdict. */
export function classify(outcome: AttemptOutcome, options: ClassifyOptions = {}): Verdict {
  const resolved: Required<ClassifyOptions> = {
    nowMs: options.nowMs ?? Date.now(),
    maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
  };
  switch (outcome.kind) {
    case 'network':
      return classifyNetwork(outcome);
    case 'too_large':
      return {
        action: 'fail',
        code: 'CIO_ERR_BAD_RESPONSE',
        message: `The Customer.io API answered ${outcome.path} (${outcome.status}) with a body larger than ${outcome.limit} bytes${outcome.stage === 'inflated' ? ' once decompressed' : ''}, the max_response_bytes setting; stopped reading it. If the API really sends pages this large, raise max_response_bytes (--max-response-bytes or CIO_MAX_RESPONSE_BYTES).`,
      };
    case 'bad_body':
      return {
        action: 'retry',
        code: 'CIO_ERR_BAD_RESPONSE',
        message: `The Customer.io API answered ${outcome.path} (${outcome.status}) with a body that is not a JSON object: ${outcome.reason}.`,
      };
    case 'response': {
      const rule = STATUS_RULES.find((candidate) => candidate.matches(outcome.status));
      if (rule) return rule.verdict(outcome, resolved);
      return {
        action: 'fail',
        code: 'CIO_ERR_BAD_RESPONSE',
        message: `The Customer.io API answered ${outcome.path} with the unexpected status ${outcome.status}.`,
      };
    }
  }
}

/**
 * Wait before retry number `attempt` (1-based): capped exponential with full jitter, so clients that
 * failed together do not retry together. `rng` returns [0, 1) like Math.random.
 */
export function backoffMs(attempt: number, rng: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(exponent, 30));
  return Math.floor(rng() * ceiling);
}
