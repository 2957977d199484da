import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { type CliResult, runCli } from '../helpers/cli.js';

/** One request as the hostile server saw it. */
export interface SeenRequest {
  path: string;
  query: URLSearchParams;
}

/** How to answer: a status, headers and a body (JSON text, or bytes as they are). */
export interface HostileReply {
  status?: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

export type HostileRoute = (req: SeenRequest, index: number) => HostileReply;

export interface HostileApi {
  url: string;
  token: string;
  /** Every request, in order of arrival. */
  requests: SeenRequest[];
  /** Replaces how `path` is answered (the next run sees the new answer). */
  route(path: string, answer: HostileRoute): void;
  close(): Promise<void>;
}

const TOKEN = 'hostile-test-token-0123456789';

/**
 * A tiny API that answers /v1/workspaces like Customer.io and every other path as scripted: the
 * misbehaving server of one test. A path without a route answers 404.
 */
export async function startHostileApi(routes: Record<string, HostileRoute>): Promise<HostileApi> {
  const table = new Map<string, HostileRoute>(Object.entries(routes));
  table.set('/v1/workspaces', () => ({ body: JSON.stringify({ workspaces: [{ id: 1, name: 'hostile' }] }) }));
  const requests: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const seen: SeenRequest = { path: url.pathname, query: url.searchParams };
      requests.push(seen);
      const answer = table.get(url.pathname);
      const index = counts.get(url.pathname) ?? 0;
      counts.set(url.pathname, index + 1);
      const reply = answer
        ? answer(seen, index)
        : { status: 404, body: JSON.stringify({ errors: [{ detail: 'not found', status: '404' }] }) };
      const payload = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
      res.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        'content-length': String(payload.length),
        ...reply.headers,
      });
      res.end(payload);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: TOKEN,
    requests,
    route: (path, answer) => table.set(path, answer),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A JSON answer. */
export const json = (value: unknown, status = 200): HostileReply => ({ status, body: JSON.stringify(value) });

/** Runs `cio-sync sync` of `streams` from `api` into the DuckDB file `file`. */
export function syncFrom(
  api: HostileApi,
  file: string,
  streams: readonly string[],
  extra: readonly string[] = [],
): Promise<CliResult> {
  return runCli(
    [
      'sync',
      '--base-url',
      api.url,
      '--destination',
      `duckdb:${file}`,
      '--max-requests-per-second',
      '1000',
      '--streams',
      streams.join(','),
      ...extra,
    ],
    { env: { CIO_ACCESS_TOKEN: api.token } },
  );
}
