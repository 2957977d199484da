import { afterEach, describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/api/budget.js';
import {
  type ApiClientOptions,
  createApiClient,
  type LogLevel,
  regionBaseUrl,
} from '../../src/api/client.js';
import { AUTH_MESSAGE } from '../../src/api/retry.js';
import type { ApiClient } from '../../src/api/types.js';
import { CioError } from '../../src/core/errors.js';
import { type Script, type ScriptedServer, startScriptedServer } from './helpers/scripted-server.js';

const TOKEN = 'sk-test-0123456789abcdef-secret';
const ok = (body: unknown = { ok: true }) => ({ body });

let server: ScriptedServer | undefined;
let client: ApiClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

interface LogLine {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

async function setup(script: Script, options: Partial<ApiClientOptions> = {}) {
  server = await startScriptedServer(script);
  const logs: LogLine[] = [];
  client = createApiClient({
    baseUrl: server.url,
    token: TOKEN,
    budget: new RequestBudget({ ratePerSecond: 1000, concurrency: 4 }),
    rng: () => 0,
    logger: (level, message, fields) => logs.push({ level, message, fields }),
    ...options,
  });
  return { server, client, logs };
}

async function failure(promise: Promise<unknown>): Promise<CioError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CioError);
  return error as CioError;
}

function expectNoToken(text: string): void {
  expect(text).not.toContain(TOKEN);
}

describe('requests', () => {
  it('sends the bearer key, JSON headers and the query string without undefined values', async () => {
    const { server, client } = await setup([ok({ messages: [] })]);
    const body = await client.request(
      {
        method: 'GET',
        path: '/v1/messages',
        query: { limit: 50, start: undefined, drafts: false, type: 'a b&c' },
      },
      { stream: 'messages' },
    );
    expect(body).toEqual({ messages: [] });
    const [seen] = server.requests;
    expect(seen?.method).toBe('GET');
    expect(seen?.path).toBe('/v1/messages');
    expect(seen?.query).toEqual({ limit: '50', drafts: 'false', type: 'a b&c' });
    expect(seen?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen?.headers.accept).toBe('application/json');
    expect(seen?.headers['content-type']).toBeUndefined();
    expect(seen?.headers['user-agent']).toBe('cio-sync');
  });

  it('sends POST bodies as JSON with Content-Type', async () => {
    const { server, client } = await setup([ok({ identifiers: [] })], { userAgent: 'cio-sync/test' });
    await client.request({
      method: 'POST',
      path: '/v1/customers',
      query: { limit: 2 },
      body: { filter: { and: [] } },
    });
    const [seen] = server.requests;
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toEqual({ filter: { and: [] } });
    expect(seen?.headers['user-agent']).toBe('cio-sync/test');
  });

  it('keeps a path prefix of the base URL (a proxy)', async () => {
    server = await startScriptedServer([ok()]);
    client = createApiClient({ baseUrl: `${server.url}/proxy/`, token: TOKEN, budget: new RequestBudget() });
    await client.request({ method: 'GET', path: '/v1/segments' });
    expect(server.requests[0]?.path).toBe('/proxy/v1/segments');
  });

  it('takes a base URL written with the API version, as the hosts are often quoted', async () => {
    server = await startScriptedServer([ok(), ok()]);
    client = createApiClient({ baseUrl: `${server.url}/v1/`, token: TOKEN, budget: new RequestBudget() });
    await client.request({ method: 'GET', path: '/v1/segments' });
    await client.close();
    client = createApiClient({
      baseUrl: `${server.url}/proxy/V1`,
      token: TOKEN,
      budget: new RequestBudget(),
    });
    await client.request({ method: 'GET', path: '/v1/segments' });
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/segments', '/proxy/v1/segments']);
  });

  it('decodes gzip answers', async () => {
    const { server, client } = await setup([{ body: { campaigns: [{ id: 1 }] }, gzip: true }]);
    expect(await client.request({ method: 'GET', path: '/v1/campaigns' })).toEqual({
      campaigns: [{ id: 1 }],
    });
    expect(server.requests[0]?.headers['accept-encoding']).toContain('gzip');
  });

  it('parses large pages arriving together, each its own, though they share one join buffer', async () => {
    // ~1 MB each (many TCP chunks, past the piecewise-parse threshold), with different contents.
    const page = (n: number) => ({
      messages: Array.from({ length: 4000 }, (_, i) => ({
        id: `${n}-${i}`,
        subject: `Grüße ${n} — ${'x'.repeat(200)}`,
      })),
      next: `cursor-${n}`,
    });
    const { client } = await setup((req) => ({
      body: page(Number(req.query.n)),
      delayMs: Number(req.query.n) % 3,
    }));
    const answers = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        client.request({ method: 'GET', path: '/v1/messages', query: { n: String(n) } }),
      ),
    );
    expect(answers).toEqual([1, 2, 3, 4, 5, 6].map(page));
  });

  it('reuses keep-alive connections instead of opening one per request', async () => {
    const { server, client } = await setup(() => ok());
    for (let i = 0; i < 20; i++) await client.request({ method: 'GET', path: '/v1/segments' });
    // undici may alternate between two sockets when a response completes on the next tick.
    expect(server.connections).toBeLessThanOrEqual(2);
  });

  it('counts requests per stream', async () => {
    const { client } = await setup([ok(), { status: 503 }, ok(), ok()]);
    await client.request({ method: 'GET', path: '/v1/a' }, { stream: 'a' });
    await client.request({ method: 'GET', path: '/v1/b' }, { stream: 'b' });
    await client.request({ method: 'GET', path: '/v1/x' });
    expect(client.stats).toEqual({ requests: 4, rateLimited: 0, retried: 1, byStream: { a: 1, b: 2 } });
  });

  it('never has more than `concurrency` requests in flight', async () => {
    server = await startScriptedServer(() => ({ body: {}, delayMs: 60 }));
    client = createApiClient({
      baseUrl: server.url,
      token: TOKEN,
      budget: new RequestBudget({ ratePerSecond: 1000, concurrency: 3 }),
    });
    const c = client;
    await Promise.all(Array.from({ length: 12 }, () => c.request({ method: 'GET', path: '/v1/segments' })));
    expect(server.requests).toHaveLength(12);
    expect(server.maxInFlight).toBe(3);
  });

  it('regionBaseUrl names the two data centres', () => {
    expect(regionBaseUrl('us')).toBe('https://api.customer.io');
    expect(regionBaseUrl('eu')).toBe('https://api-eu.customer.io');
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createApiClient({ baseUrl: 'ftp://x', token: TOKEN, budget: new RequestBudget() })).toThrow(
      expect.objectContaining({ code: 'CIO_ERR_CONFIG' }),
    );
  });
});

describe('retries', () => {
  it('rides out a burst of 5xx answers', async () => {
    const { client, logs } = await setup([
      { status: 503 },
      { status: 502 },
      { status: 500 },
      { status: 504 },
      ok(),
    ]);
    expect(
      await client.request({ method: 'GET', path: '/v1/x', query: { limit: 1 } }, { stream: 's' }),
    ).toEqual({ ok: true });
    expect(client.stats).toMatchObject({ requests: 5, retried: 4 });
    const retries = logs.filter((line) => line.level === 'warn');
    expect(retries).toHaveLength(4);
    expect(retries[0]?.fields).toMatchObject({ path: '/v1/x?limit=1', status: 503, stream: 's', attempt: 1 });
  });

  it('gives up after maxRetries with CIO_ERR_SERVER', async () => {
    const { client, server } = await setup(
      () => ({ status: 500, body: { errors: [{ detail: 'oops (reference 9)' }] } }),
      {
        maxRetries: 2,
      },
    );
    const error = await failure(client.request({ method: 'GET', path: '/v1/x' }, { stream: 's' }));
    expect(error).toMatchObject({
      code: 'CIO_ERR_SERVER',
      status: 500,
      path: '/v1/x',
      stream: 's',
      kind: 'transient',
    });
    expect(error.message).toContain('oops (reference 9)');
    expect(error.message).toContain('"oops (reference 9)"; gave up after 2 retries.');
    expect(server.requests).toHaveLength(3);
  });

  it('retries after a connection reset', async () => {
    const { client, server } = await setup([{ reset: true }, ok()]);
    expect(await client.request({ method: 'GET', path: '/v1/x' })).toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });

  it('retries after a body cut short', async () => {
    const { client, server } = await setup([{ truncate: '{"messages":[{"id":"a"' }, ok()]);
    expect(await client.request({ method: 'GET', path: '/v1/x' })).toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });

  it('retries after a timeout', async () => {
    const { client, server } = await setup([{ body: {}, delayMs: 3000 }, ok()], { timeoutMs: 250 });
    expect(await client.request({ method: 'GET', path: '/v1/x' })).toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['truncated JSON', '{"messages":[{"id":'],
    ['an HTML page', '<html>502 Bad Gateway</html>'],
    ['an empty body', ''],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
  ])('retries a 2xx answer that is %s', async (_name, text) => {
    const { client, server } = await setup([{ body: text }, ok()]);
    expect(await client.request({ method: 'GET', path: '/v1/x' })).toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });

  it('fails with CIO_ERR_BAD_RESPONSE when the body stays malformed', async () => {
    const { client } = await setup(() => ({ body: 'nope' }), { maxRetries: 1 });
    const error = await failure(client.request({ method: 'GET', path: '/v1/x' }));
    expect(error.code).toBe('CIO_ERR_BAD_RESPONSE');
  });

  it('fails with CIO_ERR_NETWORK when nothing listens', async () => {
    const closed = await startScriptedServer([]);
    const url = closed.url;
    await closed.close();
    client = createApiClient({
      baseUrl: url,
      token: TOKEN,
      budget: new RequestBudget(),
      maxRetries: 1,
      rng: () => 0,
    });
    const error = await failure(client.request({ method: 'GET', path: '/v1/x' }));
    expect(error.code).toBe('CIO_ERR_NETWORK');
    const { port } = new URL(url);
    expect(error.message).toBe(
      `Could not connect to 127.0.0.1:${port} (connection refused); gave up after 1 retry.`,
    );
  });
});

describe('rate limiting', () => {
  it('honours Retry-After in seconds, for every request of the run', async () => {
    let rateLimitedAt = 0;
    const { client, server, logs } = await setup((_req, index) => {
      if (index === 0) {
        rateLimitedAt = performance.now();
        return {
          status: 429,
          headers: { 'retry-after': '1' },
          body: {
            errors: [{ detail: 'rate limited to 10 requests per 1s (reference a1b2c3)', status: '429' }],
          },
        };
      }
      return ok();
    });
    const first = client.request({ method: 'GET', path: '/v1/a' });
    // As soon as the 429 is seen, another stream asks: it must wait out the same pause.
    while (!logs.some((line) => line.level === 'warn'))
      await new Promise((resolve) => setTimeout(resolve, 5));
    const other = client.request({ method: 'GET', path: '/v1/b' });
    await Promise.all([first, other]);
    expect(server.requests.map((r) => r.path).sort()).toEqual(['/v1/a', '/v1/a', '/v1/b']);
    expect(server.requests[0]?.path).toBe('/v1/a');
    for (const later of server.requests.slice(1))
      expect(later.at - rateLimitedAt).toBeGreaterThanOrEqual(900);
    expect(client.stats).toMatchObject({ requests: 3, rateLimited: 1, retried: 1 });
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const { client, server } = await setup((_req, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }
        : ok(),
    );
    await client.request({ method: 'GET', path: '/v1/a' });
    const [first, second] = server.requests;
    // The date has whole seconds, so the wait is between 1 and 2 s.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('fails fast on a daily quota (429 without Retry-After): one request, a clear message', async () => {
    const { client, server } = await setup(() => ({
      status: 429,
      body: { errors: [{ detail: 'quota', status: '429' }] },
    }));
    const error = await failure(client.request({ method: 'GET', path: '/v1/messages' }));
    expect(error.code).toBe('CIO_ERR_RATE_LIMITED');
    expect(error.message).toMatch(/daily request quota/);
    expect(server.requests).toHaveLength(1);
    expect(client.stats.rateLimited).toBe(1);
  });

  it('gives up after maxRateLimitRetries', async () => {
    const { client, server } = await setup(() => ({ status: 429, headers: { 'retry-after': '0' } }), {
      maxRateLimitRetries: 3,
    });
    const error = await failure(client.request({ method: 'GET', path: '/v1/x' }));
    expect(error.code).toBe('CIO_ERR_RATE_LIMITED');
    expect(error.message).toContain('Gave up after 3 rate-limited retries');
    expect(server.requests).toHaveLength(4);
  });

  it('caps the Retry-After a table waits in total, and says so; other tables keep their own allowance', async () => {
    const { client, server } = await setup(() => ({ status: 429, headers: { 'retry-after': '1' } }), {
      maxRateLimitWaitMs: 2500,
    });
    const error = await failure(client.request({ method: 'GET', path: '/v1/x' }, { stream: 'campaigns' }));
    expect(error.code).toBe('CIO_ERR_RATE_LIMITED');
    expect(error.message).toContain('after 2 s already waited for campaigns');
    expect(error.message).toContain('a table waits at most 3 s in a run');
    // Two waits of 1 s fit in 2.5 s, the third does not: three requests, not ten.
    expect(server.requests).toHaveLength(3);
    // The allowance is per table: another one still gets its own two waits.
    await failure(client.request({ method: 'GET', path: '/v1/x' }, { stream: 'segments' }));
    expect(server.requests).toHaveLength(6);
  });
});

describe('errors that no retry cures', () => {
  const envelope = (status: number, detail: string) => ({
    status,
    body: { errors: [{ detail, status: String(status) }] },
  });

  it('401: the key/region message, once', async () => {
    const { client, server } = await setup(() => envelope(401, 'Unauthorized request (reference 77)'));
    const error = await failure(client.request({ method: 'GET', path: '/v1/campaigns' }));
    expect(error.code).toBe('CIO_ERR_AUTH');
    expect(error.kind).toBe('config');
    expect(error.message).toBe(`${AUTH_MESSAGE} The API said: "Unauthorized request (reference 77)".`);
    expect(server.requests).toHaveLength(1);
  });

  it('403: names the path and the missing scope', async () => {
    const { client } = await setup(() => envelope(403, 'forbidden'));
    const error = await failure(
      client.request({ method: 'GET', path: '/v1/esp/suppression/bounces', query: { limit: 5 } }),
    );
    expect(error.code).toBe('CIO_ERR_FORBIDDEN');
    expect(error.message).toContain('the key lacks the scope for /v1/esp/suppression/bounces');
    expect(error.path).toBe('/v1/esp/suppression/bounces');
  });

  it('404 and other 4xx are not retried', async () => {
    const { client, server } = await setup([
      envelope(404, 'no such thing'),
      envelope(422, 'name cannot be blank'),
    ]);
    expect((await failure(client.request({ method: 'GET', path: '/v1/nope' }))).code).toBe(
      'CIO_ERR_NOT_FOUND',
    );
    const bad = await failure(client.request({ method: 'GET', path: '/v1/snippets' }));
    expect(bad.code).toBe('CIO_ERR_BAD_REQUEST');
    expect(bad.message).toContain('name cannot be blank');
    expect(server.requests).toHaveLength(2);
  });

  it('never puts the key in a message or a log line, even when the API echoes it', async () => {
    const echo = `bad credentials: Bearer ${TOKEN}`;
    const { client, logs } = await setup([envelope(500, echo), envelope(401, echo)]);
    const error = await failure(client.request({ method: 'GET', path: '/v1/x', query: { q: 'x' } }));
    expect(error.message).toContain('***');
    expectNoToken(error.message);
    expectNoToken(String(error.stack));
    expectNoToken(JSON.stringify(logs));
    expect(logs.length).toBeGreaterThan(0);
  });
});

describe('cancellation', () => {
  it('an abort mid-request rejects with the abort reason, not a CioError', async () => {
    const { client } = await setup(() => ({ body: {}, delayMs: 5000 }));
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const pending = client.request({ method: 'GET', path: '/v1/x' }, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('an abort during backoff stops the retries', async () => {
    const { client, server } = await setup(() => ({ status: 503 }), { rng: () => 0.99 });
    const controller = new AbortController();
    const pending = client.request({ method: 'GET', path: '/v1/x' }, { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests).toHaveLength(1);
  });
});
