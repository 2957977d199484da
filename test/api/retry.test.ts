import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  AUTH_MESSAGE,
  BACKOFF_CAP_MS,
  backoffMs,
  classify,
  parseRetryAfter,
  type RetryAction,
} from '../../src/api/retry.js';
import type { ErrorCode } from '../../src/core/errors.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const path = '/v1/messages';

function networkError(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

const table: Array<[string, AttemptOutcome, RetryAction, ErrorCode, number | undefined]> = [
  ['401', { kind: 'response', status: 401, path }, 'fail', 'CIO_ERR_AUTH', undefined],
  ['403', { kind: 'response', status: 403, path }, 'fail', 'CIO_ERR_FORBIDDEN', undefined],
  ['404', { kind: 'response', status: 404, path }, 'fail', 'CIO_ERR_NOT_FOUND', undefined],
  ['400', { kind: 'response', status: 400, path }, 'fail', 'CIO_ERR_BAD_REQUEST', undefined],
  ['408', { kind: 'response', status: 408, path }, 'fail', 'CIO_ERR_BAD_REQUEST', undefined],
  ['422', { kind: 'response', status: 422, path }, 'fail', 'CIO_ERR_BAD_REQUEST', undefined],
  [
    '429 Retry-After seconds',
    { kind: 'response', status: 429, path, retryAfter: '3' },
    'rate_limited',
    'CIO_ERR_RATE_LIMITED',
    3000,
  ],
  [
    '429 Retry-After date',
    { kind: 'response', status: 429, path, retryAfter: new Date(NOW + 5000).toUTCString() },
    'rate_limited',
    'CIO_ERR_RATE_LIMITED',
    5000,
  ],
  [
    '429 Retry-After unreadable',
    { kind: 'response', status: 429, path, retryAfter: 'soon' },
    'rate_limited',
    'CIO_ERR_RATE_LIMITED',
    1000,
  ],
  [
    '429 Retry-After 0',
    { kind: 'response', status: 429, path, retryAfter: '0' },
    'rate_limited',
    'CIO_ERR_RATE_LIMITED',
    0,
  ],
  [
    '429 without Retry-After (daily quota)',
    { kind: 'response', status: 429, path },
    'fail',
    'CIO_ERR_RATE_LIMITED',
    undefined,
  ],
  [
    '429 with empty Retry-After',
    { kind: 'response', status: 429, path, retryAfter: ' ' },
    'fail',
    'CIO_ERR_RATE_LIMITED',
    undefined,
  ],
  [
    '429 asking for an hour',
    { kind: 'response', status: 429, path, retryAfter: '3600' },
    'fail',
    'CIO_ERR_RATE_LIMITED',
    undefined,
  ],
  ['500', { kind: 'response', status: 500, path }, 'retry', 'CIO_ERR_SERVER', undefined],
  ['502', { kind: 'response', status: 502, path }, 'retry', 'CIO_ERR_SERVER', undefined],
  ['503', { kind: 'response', status: 503, path }, 'retry', 'CIO_ERR_SERVER', undefined],
  ['504', { kind: 'response', status: 504, path }, 'retry', 'CIO_ERR_SERVER', undefined],
  ['501', { kind: 'response', status: 501, path }, 'fail', 'CIO_ERR_SERVER', undefined],
  ['505', { kind: 'response', status: 505, path }, 'fail', 'CIO_ERR_SERVER', undefined],
  ['301', { kind: 'response', status: 301, path }, 'fail', 'CIO_ERR_BAD_RESPONSE', undefined],
  ['101', { kind: 'response', status: 101, path }, 'fail', 'CIO_ERR_BAD_RESPONSE', undefined],
  [
    'bad 2xx body',
    { kind: 'bad_body', status: 200, path, reason: 'invalid JSON' },
    'retry',
    'CIO_ERR_BAD_RESPONSE',
    undefined,
  ],
  [
    'our timeout',
    { kind: 'network', path, error: new Error('aborted'), timedOut: true },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'ECONNRESET',
    { kind: 'network', path, error: networkError('ECONNRESET') },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'ECONNREFUSED',
    { kind: 'network', path, error: networkError('ECONNREFUSED') },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'ENOTFOUND',
    { kind: 'network', path, error: networkError('ENOTFOUND') },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  ['EPIPE', { kind: 'network', path, error: networkError('EPIPE') }, 'retry', 'CIO_ERR_NETWORK', undefined],
  [
    'UND_ERR_SOCKET',
    { kind: 'network', path, error: networkError('UND_ERR_SOCKET') },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'UND_ERR_HEADERS_TIMEOUT',
    { kind: 'network', path, error: networkError('UND_ERR_HEADERS_TIMEOUT') },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'UND_ERR_BODY_TIMEOUT',
    { kind: 'network', path, error: networkError('UND_ERR_BODY_TIMEOUT') },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'content-length mismatch',
    { kind: 'network', path, error: networkError('UND_ERR_RES_CONTENT_LENGTH_MISMATCH') },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'code on the cause (fetch style)',
    { kind: 'network', path, error: new TypeError('fetch failed', { cause: networkError('ECONNRESET') }) },
    'retry',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'TLS certificate error',
    { kind: 'network', path, error: networkError('CERT_HAS_EXPIRED', 'certificate has expired') },
    'fail',
    'CIO_ERR_NETWORK',
    undefined,
  ],
  [
    'error without a code',
    { kind: 'network', path, error: new Error('mystery') },
    'fail',
    'CIO_ERR_NETWORK',
    undefined,
  ],
];

describe('classify', () => {
  it.each(table)('%s', (_name, outcome, action, code, retryAfterMs) => {
    const verdict = classify(outcome, { nowMs: NOW });
    expect(verdict.action).toBe(action);
    expect(verdict.code).toBe(code);
    expect(verdict.retryAfterMs).toBe(retryAfterMs);
    expect(verdict.message.length).toBeGreaterThan(10);
  });

  it('gives the exact 401 message, plus the API detail when sent', () => {
    expect(classify({ kind: 'response', status: 401, path }).message).toBe(AUTH_MESSAGE);
    const withDetail = classify({
      kind: 'response',
      status: 401,
      path,
      detail: 'Unauthorized request (reference 1a)',
    });
    expect(withDetail.message).toBe(`${AUTH_MESSAGE} The API said: "Unauthorized request (reference 1a)".`);
  });

  it('names the path and the scope in the 403 message', () => {
    const { message } = classify({ kind: 'response', status: 403, path: '/v1/esp/suppression/bounces' });
    expect(message).toContain('the key lacks the scope for /v1/esp/suppression/bounces');
    expect(message).toContain('(or the IP allow-list refuses this machine)');
  });

  it('says a 429 without Retry-After is a quota and that it will not retry', () => {
    const { message } = classify({ kind: 'response', status: 429, path });
    expect(message).toMatch(/daily request quota/);
    expect(message).toMatch(/Not retrying/);
  });

  it('quotes the API detail on every failing status', () => {
    for (const status of [400, 403, 404, 429, 500, 503]) {
      const { message } = classify({ kind: 'response', status, path, detail: 'the detail (reference abc)' });
      expect(message).toContain('the detail (reference abc)');
    }
  });

  it('is pure: the same outcome and clock give the same verdict', () => {
    const outcome: AttemptOutcome = {
      kind: 'response',
      status: 429,
      path,
      retryAfter: 'Sat, 01 Mar 2025 12:00:09 GMT',
    };
    expect(classify(outcome, { nowMs: NOW })).toEqual(classify(outcome, { nowMs: NOW }));
    expect(classify(outcome, { nowMs: NOW }).retryAfterMs).toBe(9000);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['1', 1000],
    [' 2 ', 2000],
    ['1.5', 1500],
    ['120', 120_000],
    ['Sat, 01 Mar 2025 12:00:30 GMT', 30_000],
    ['Sat, 01 Mar 2025 11:59:00 GMT', 0],
    ['-1', undefined],
    ['soon', undefined],
    ['', undefined],
  ])('%j -> %s', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe('backoffMs', () => {
  it('stays within [0, min(30 s, 0.5 s * 2^(attempt-1))) for any jitter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(BACKOFF_CAP_MS, 500 * 2 ** (attempt - 1));
          const wait = backoffMs(attempt, () => r);
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThan(ceiling);
        },
      ),
    );
  });

  it('doubles from 0.5 s and caps at 30 s', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => Math.round(backoffMs(attempt, top) / 10) * 10)).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});
