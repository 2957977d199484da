import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestBudget } from '../../../src/api/budget.js';
import { createApiClient } from '../../../src/api/client.js';
import type { ApiClient } from '../../../src/api/types.js';

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export type Handler = (req: SeenRequest) => unknown | Promise<unknown>;

/** What a handler returns to answer with a status other than 200. */
export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export interface FakeApi {
  client: ApiClient;
  /** The server's base URL, for a client or a sync of one's own. */
  url: string;
  /** Every request the server answered, in arrival order. */
  requests: SeenRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * A loopback HTTP server answering each request with `handler`'s JSON (a handler that throws
 * answers 404), and the real API client pointed at it with a budget too wide to slow tests.
 */
export async function startFakeApi(handler: Handler): Promise<FakeApi> {
  const requests: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: await readBody(req),
      };
      requests.push(seen);
      let status = 200;
      let body: unknown;
      try {
        body = await handler(seen);
        if (body instanceof HttpAnswer) ({ status, body } = body);
      } catch (error) {
        status = 404;
        body = { errors: [{ status: '404', detail: String(error) }] };
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = createApiClient({
    baseUrl: `http://127.0.0.1:${port}`,
    token: 'test-token',
    budget: new RequestBudget({ ratePerSecond: 1000, concurrency: 16 }),
    maxRetries: 0,
  });
  return {
    client,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
