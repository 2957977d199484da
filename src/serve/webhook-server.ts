import { createHash } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { EventStore } from '../destinations/registry.js';
import { type DeliveryEventRow, parseDeliveryEvent } from './delivery-event.js';
import { GroupCommit } from './group-commit.js';
import type { EventOutcome, ServeMetrics } from './metrics.js';
import { BodyBudget, readBody } from './request-body.js';
import { verifySignature } from './signature.js';

export const WEBHOOK_PATH = '/webhooks/customerio';

/** Events waiting for a transaction beyond which a request gets 503 (memory stays bounded under a flood). */
const MAX_WAITING = 10_000;
/** Body bytes held at once, over all requests, beyond which a request gets 503. */
const MAX_BODY_BYTES_HELD = 256 * 1024 * 1024;

export interface WebhookServerOptions {
  keys: readonly string[];
  maxBodyBytes: number;
  store: EventStore;
  metrics: ServeMetrics;
  logger: Logger;
  /** Rows per table for /metrics. */
  rowCounts(): Promise<Record<string, number>>;
  tls?: { cert: Buffer; key: Buffer };
  /** Told when the destination can take nothing more until the process starts again. */
  onFatal?(error: Error): void;
}

/** DuckDB after a failed commit: every later statement fails until the database is opened again. */
const INVALIDATED = /database has been invalidated/i;

type Item =
  | { kind: 'event'; row: DeliveryEventRow }
  | {
      kind: 'rejected';
      sha256: string;
      reason: string;
      body: string;
      sentAt: string | undefined;
      receivedAt: Date;
    };

export interface WebhookServer {
  readonly server: Server;
  /**
   * Stops taking connections, lets every request already received (even one whose body is still
   * arriving) get its answer after its commit, then closes the connections left.
   */
  stop(): Promise<void>;
}

export function createWebhookServer(opts: WebhookServerOptions): WebhookServer {
  const committer = new GroupCommit<Item, EventOutcome>((items) => commit(opts.store, items));
  const budget = new BodyBudget(Math.max(MAX_BODY_BYTES_HELD, 4 * opts.maxBodyBytes));
  const settings = { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 };
  const server: Server = opts.tls
    ? createHttpsServer({ ...settings, cert: opts.tls.cert, key: opts.tls.key })
    : createHttpServer(settings);
  let stopping = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    if (stopping) res.setHeader('Connection', 'close');
    route(req, res)
      .catch((error: unknown) => {
        opts.logger.error(`request failed: ${(error as Error).message}`);
        if (!res.headersSent) answer(res, 500, { error: 'internal error' });
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) idle?.();
      });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === WEBHOOK_PATH) {
      if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' }, { Allow: 'POST' });
      return webhook(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, { error: 'GET only' });
    if (path === '/healthz') {
      try {
        await opts.store.checkWritable();
        return answer(res, 200, { status: 'ok' });
      } catch (error) {
        opts.logger.warn(`health check: the destination is not writable: ${(error as Error).message}`);
        return answer(res, 503, { status: 'destination not writable' });
      }
    }
    if (path === '/metrics') {
      const rows = await opts.rowCounts().catch(() => ({}));
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(opts.metrics.render(rows));
      return;
    }
    return answer(res, 404, { error: `not found; webhooks go to POST ${WEBHOOK_PATH}` });
  }

  async function webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const receivedAt = new Date();
    opts.metrics.received1();
    const read = await readBody(req, opts.maxBodyBytes, budget);
    if (read.kind === 'aborted') return;
    if (read.kind === 'overloaded') return overloaded(res);
    if (read.kind === 'too_large') {
      opts.metrics.outcome('refused', 'too_large');
      // The rest of the body is read and dropped (readBody), so the sender reads this answer.
      return answer(res, 413, { error: `body over ${opts.maxBodyBytes} bytes` });
    }
    try {
      await received(req, res, read.body, receivedAt, started);
    } finally {
      budget.give(read.body.length);
    }
  }

  function overloaded(res: ServerResponse): void {
    opts.metrics.outcome('refused', 'overloaded');
    answer(res, 503, { error: 'overloaded; retry' }, { 'Retry-After': '1' });
  }

  async function received(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    receivedAt: Date,
    started: number,
  ): Promise<void> {
    const sentAt = header(req, 'x-cio-timestamp');
    if (!verifySignature(opts.keys, sentAt, header(req, 'x-cio-signature'), body)) {
      opts.metrics.outcome('refused', 'bad_signature');
      return answer(res, 401, { error: 'missing or invalid X-CIO-Signature' });
    }
    if (committer.waiting >= MAX_WAITING) return overloaded(res);
    const parsed = parseDeliveryEvent(body, receivedAt);
    const item: Item = parsed.ok
      ? { kind: 'event', row: parsed.row }
      : {
          kind: 'rejected',
          sha256: createHash('sha256').update(body).digest('hex'),
          reason: parsed.reason,
          body: body.toString('utf8'),
          sentAt,
          receivedAt,
        };
    let outcome: EventOutcome;
    try {
      outcome = await committer.submit(item);
    } catch (error) {
      opts.metrics.outcome('refused', 'not_stored');
      opts.logger.error(`events not stored (the sender retries): ${(error as Error).message}`);
      if (INVALIDATED.test((error as Error).message)) opts.onFatal?.(error as Error);
      return answer(res, 503, { error: 'not stored; retry' });
    }
    opts.metrics.outcome(outcome, parsed.ok ? undefined : parsed.kind);
    answer(res, 200, { status: outcome });
    opts.metrics.acknowledged((performance.now() - started) / 1000);
  }

  return {
    server,
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      await committer.settled();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

async function commit(store: EventStore, items: readonly Item[]): Promise<EventOutcome[]> {
  const rows = items.flatMap((item) =>
    item.kind === 'event' ? [{ key: item.row.eventId, fields: item.row.fields }] : [],
  );
  const setAside = items.flatMap((item) => (item.kind === 'rejected' ? [item] : []));
  const written = await store.append(rows, setAside);
  // Of two requests carrying one new event_id, the first stored it and the second is its repeat.
  const claimed = new Set<string>();
  return items.map((item) => {
    if (item.kind === 'rejected') return 'rejected';
    const key = item.row.eventId;
    if (!written.has(key) || claimed.has(key)) return 'duplicate';
    claimed.add(key);
    return 'stored';
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? undefined : value;
}

function answer(
  res: ServerResponse,
  status: number,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
