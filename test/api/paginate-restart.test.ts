import { afterEach, describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/api/budget.js';
import { createApiClient } from '../../src/api/client.js';
import { type PaginateOptions, paginate } from '../../src/api/paginators.js';
import type { ApiClient, FetchedPage, Paging } from '../../src/api/types.js';
import { CioError } from '../../src/core/errors.js';
import { cursorFor, cursorPagedApi } from './helpers/paged-api.js';
import { type Script, type ScriptedServer, startScriptedServer } from './helpers/scripted-server.js';

let server: ScriptedServer | undefined;
let client: ApiClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const paging: Paging = { kind: 'cursor', pageSize: 2 };
const pages = [[{ id: 1 }, { id: 2 }], [{ id: 3 }]];

async function read(script: Script, opts: PaginateOptions): Promise<FetchedPage[] | CioError> {
  server = await startScriptedServer(script);
  client = createApiClient({
    baseUrl: server.url,
    token: 'test-token',
    budget: new RequestBudget({ ratePerSecond: 100_000, concurrency: 1 }),
    maxRetries: 0,
  });
  const read: FetchedPage[] = [];
  try {
    for await (const page of paginate(
      client,
      { method: 'GET', path: '/v1/newsletters' },
      'newsletters',
      paging,
      {
        stream: 'newsletters',
        ...opts,
      },
    ))
      read.push(page);
  } catch (error) {
    return error as CioError;
  }
  return read;
}

describe('a saved position the API refuses', () => {
  it('restarts the read from the first page, once, and says so', async () => {
    const warnings: string[] = [];
    const result = await read(cursorPagedApi('newsletters', pages), {
      from: { cursor: 'expired-cursor' },
      onRestart: (message) => warnings.push(message),
    });
    expect(Array.isArray(result) && result.flatMap((page) => page.records)).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
    expect(server?.requests.map((r) => r.query.start)).toEqual(['expired-cursor', undefined, cursorFor(1)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('newsletters: the API refused the saved page position');
  });

  it('a refusal of a cursor the same read was given still fails (not a stale saved state)', async () => {
    const result = await read(
      (req) =>
        req.query.start === undefined
          ? { body: { newsletters: pages[0], next: 'fresh' } }
          : { status: 400, body: { errors: [{ detail: 'bad start' }] } },
      { onRestart: () => {} },
    );
    expect(result).toBeInstanceOf(CioError);
    expect(result).toMatchObject({ status: 400 });
  });

  it('a first page refused again after the restart fails with that refusal', async () => {
    const result = await read(() => ({ status: 400, body: { errors: [{ detail: 'refused' }] } }), {
      from: { cursor: 'expired-cursor' },
    });
    expect(result).toMatchObject({ status: 400 });
    expect(server?.requests).toHaveLength(2);
  });

  it('a server failure on the saved position is not taken for a refusal', async () => {
    const result = await read(() => ({ status: 501 }), { from: { cursor: 'saved' } });
    expect(result).toMatchObject({ code: 'CIO_ERR_SERVER' });
    expect(server?.requests).toHaveLength(1);
  });
});
