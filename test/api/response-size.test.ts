import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/api/budget.js';
import { createApiClient } from '../../src/api/client.js';
import type { ApiClient } from '../../src/api/types.js';
import { CioError } from '../../src/core/errors.js';
import { type Script, type ScriptedServer, startScriptedServer } from './helpers/scripted-server.js';

let server: ScriptedServer | undefined;
let client: ApiClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const LIMIT = 64 * 1024;

async function requestThrough(script: Script): Promise<unknown> {
  server = await startScriptedServer(script);
  client = createApiClient({
    baseUrl: server.url,
    token: 'sk-test-response-size',
    budget: new RequestBudget({ ratePerSecond: 1000, concurrency: 1 }),
    rng: () => 0,
    maxResponseBytes: LIMIT,
  });
  return client.request({ method: 'GET', path: '/v1/campaigns' }, { stream: 'campaigns' }).then(
    (body) => body,
    (error: unknown) => error,
  );
}

/** A valid JSON body of about `bytes` bytes, mostly whitespace (so it compresses to almost nothing). */
function paddedBody(bytes: number): string {
  return `{"campaigns":[${' '.repeat(bytes)}]}`;
}

describe('max_response_bytes', () => {
  it('a body up to the limit is read', async () => {
    const body = paddedBody(LIMIT - 100);
    expect(await requestThrough([{ body }])).toEqual({ campaigns: [] });
  });

  it('a larger body fails at once, naming the setting, and is not asked for again', async () => {
    const error = await requestThrough([{ body: paddedBody(LIMIT * 4) }, { body: paddedBody(10) }]);
    expect(error).toBeInstanceOf(CioError);
    expect(error).toMatchObject({ code: 'CIO_ERR_BAD_RESPONSE', status: 200, stream: 'campaigns' });
    expect((error as CioError).message).toContain(
      `larger than ${LIMIT} bytes, the max_response_bytes setting`,
    );
    expect(server?.requests).toHaveLength(1);
  });

  it('a small gzip body that inflates past the limit fails the same way, without a retry', async () => {
    const error = await requestThrough([
      { body: paddedBody(LIMIT * 64), gzip: true },
      { body: paddedBody(10) },
    ]);
    expect(error).toMatchObject({ code: 'CIO_ERR_BAD_RESPONSE', status: 200 });
    expect((error as CioError).message).toContain('once decompressed');
    expect(gzipSync(paddedBody(LIMIT * 64)).length).toBeLessThan(LIMIT);
    expect(server?.requests).toHaveLength(1);
  });

  it('an error answer too large to read keeps its status (a 503 is still retried)', async () => {
    const huge = JSON.stringify({ errors: [{ detail: 'x'.repeat(LIMIT * 2) }] });
    const body = await requestThrough([{ status: 503, body: huge }, { body: { campaigns: [{ id: 1 }] } }]);
    expect(body).toEqual({ campaigns: [{ id: 1 }] });
    expect(server?.requests).toHaveLength(2);
  });
});
