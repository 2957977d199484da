import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** Which TCP connection carried it (1-based, in order of connection). */
  socket: number;
  /** Server-side arrival time (performance.now()). */
  at: number;
}

/** How to answer one request. */
export type Reply =
  | {
      status?: number;
      headers?: Record<string, string>;
      /** Sent as JSON unless it is already a string. */
      body?: unknown;
      gzip?: boolean;
      delayMs?: number;
    }
  /** Drop the connection without answering. */
  | { reset: true }
  /** Promise `declaredLength` bytes, send `partial`, then drop the connection. */
  | { truncate: string; declaredLength?: number };

export type Script = Reply[] | ((req: RecordedRequest, index: number) => Reply);

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Most requests the server was working on at once. */
  readonly maxInFlight: number;
  /** TCP connections accepted. */
  readonly connections: number;
  close(): Promise<void>;
}

const EXHAUSTED: Reply = {
  status: 418,
  body: { errors: [{ detail: 'scripted server: no reply left', status: '418' }] },
};

function send(res: ServerResponse, reply: Extract<Reply, { status?: number }>): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
  const payload = reply.gzip ? gzipSync(text) : Buffer.from(text);
  res.writeHead(reply.status ?? 200, {
    'content-type': 'application/json',
    'content-length': String(payload.length),
    ...(reply.gzip ? { 'content-encoding': 'gzip' } : {}),
    ...reply.headers,
  });
  res.end(payload);
}

/**
 * A real HTTP server on 127.0.0.1:0 that answers each request from a script: replies in order, or a
 * function of the request. Real sockets, so resets, truncation and slowness are the real thing.
 */
export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;
  let connections = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socket: socketIds.get(req.socket) ?? 0,
        at: performance.now(),
      };
      const index = requests.push(recorded) - 1;
      const reply = (typeof script === 'function' ? script(recorded, index) : script[index]) ?? EXHAUSTED;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      const answer = (): void => {
        if ('reset' in reply) {
          req.socket.destroy();
        } else if ('truncate' in reply) {
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': String(reply.declaredLength ?? reply.truncate.length + 100),
          });
          res.write(reply.truncate, () => req.socket.destroy());
        } else {
          send(res, reply);
        }
      };
      const delayMs = 'delayMs' in reply ? (reply.delayMs ?? 0) : 0;
      if (delayMs <= 0) return answer();
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, delayMs);
      timers.add(timer);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    socketIds.set(socket, connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get connections() {
      return connections;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
