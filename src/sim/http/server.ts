/**
 * The HTTP front: routing, auth, rate limit, faults, latency, and writing the answer. Order of
 * checks per /v1 request: route (unknown -> 404, recorded), bearer token (401), rate limit (429),
 * injected fault, body, handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { unitHash } from '../world/prng.js';
import type { JsonObject, Shapes } from '../world/types.js';
import { handleControl } from './control.js';
import type { FaultEffect } from './faults.js';
import { errorEnvelope, reference, SimHttpError, UNAUTHORIZED_DETAIL } from './http-error.js';
import { listValue } from './live-shapes.js';
import type { HandlerResult, PageResult } from './route-types.js';
import { matchRoute } from './routes.js';
import { appendLog, type SimState } from './state.js';
import type { RequestLogEntry } from './types.js';

const MAX_BODY_BYTES = 1024 * 1024;

interface Answer {
  status: number;
  body: JsonObject;
  headers?: Record<string, string>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSimServer(state: SimState): Server {
  const server = createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      // Last resort: a bug in the simulator itself. Answer 500 rather than hang the client.
      console.error('cio-sync simulator: internal error', err);
      if (!res.headersSent) writeJson(res, 500, errorEnvelope(500, 'internal simulator error'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  return server;
}

function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

function writeJson(
  res: ServerResponse,
  status: number,
  body: JsonObject,
  headers: Record<string, string> = {},
): void {
  writeBody(res, status, JSON.stringify(body), headers);
}

/** Writes a JSON body given as text (encoded once, by the socket write) or as its UTF-8 bytes. */
function writeBody(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.length),
    ...headers,
  });
  res.end(body);
}

/** The body of a serialized page, with the rewrites the cursor faults make. */
function pageBody(result: PageResult, fault: FaultEffect | undefined, shapes: Shapes): Buffer {
  const { page, cursor } = result;
  if (fault?.kind === 'empty_page_with_cursor') {
    return Buffer.from(JSON.stringify({ [page.recordsKey]: listValue([], shapes), next: cursor.restart }));
  }
  if (fault?.kind === 'repeat_cursor' && cursor.start !== undefined) {
    if (page.recordsEnd < 0) {
      return Buffer.from(JSON.stringify({ [page.recordsKey]: null, next: cursor.start }));
    }
    const tail = Buffer.from(`],"next":${JSON.stringify(cursor.start)}}`);
    return Buffer.concat([page.bytes.subarray(0, page.recordsEnd), tail]);
  }
  return page.bytes;
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new SimHttpError(400, 'Content-Type must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new SimHttpError(400, 'request body too large');
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new SimHttpError(400, 'request body is required');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimHttpError(400, 'malformed JSON body');
  }
}

async function handle(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  const method = req.method ?? 'GET';
  if (url.pathname.startsWith('/__sim/')) {
    await handleControl(state, method, url, req, res);
    return;
  }

  const seq = ++state.stats.requests;
  // The answer's time is the world's clock, not the machine's (the metrics endpoints count days from it).
  res.setHeader('date', new Date(state.world.now * 1000).toUTCString());
  const entry: RequestLogEntry = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    status: 0,
  };
  appendLog(state, entry);
  const latency = Math.max(
    0,
    state.latencyMs + (unitHash(state.seed, 'latency', seq) * 2 - 1) * state.latencyJitterMs,
  );
  const ref = reference(state.seed, seq);
  const fail = (status: number, detail: string, code?: string): Answer => ({
    status,
    body: errorEnvelope(status, `${detail} (reference ${ref})`, code),
  });

  const answer = async (a: Answer, extraDelay = 0): Promise<void> => {
    await sleep(latency + extraDelay);
    entry.status = a.status;
    if (a.status === 429) state.stats.rateLimited++;
    writeJson(res, a.status, a.body, a.headers);
  };

  const match = matchRoute(method, url.pathname);
  if (!match) {
    state.unknownRoutes.push(`${method} ${url.pathname}`);
    return answer(fail(404, `No such route: ${method} ${url.pathname}`));
  }
  const token = bearerToken(req.headers.authorization);
  if (!match.route.public && token !== state.token) {
    return answer(fail(401, UNAUTHORIZED_DETAIL, 'invalid_credentials'));
  }

  const retryAfter = state.limiter.take(token ?? 'anonymous');
  if (retryAfter > 0) return answer(rateLimited(state.limiter.rate, retryAfter));

  const fault = state.faults.decide({
    method,
    path: url.pathname,
    cursorPaged: match.route.paging === 'cursor',
  });
  if (fault) {
    state.stats.faults++;
    entry.fault = fault.kind;
  }
  if (fault?.kind === 'status') return answer(fail(fault.status, statusDetail(fault.status)));
  if (fault?.kind === 'rate_limit') {
    const quota = fault.retryAfter === null;
    return answer(
      quota
        ? { status: 429, body: errorEnvelope(429, 'daily request quota exceeded (reference a1b2c3)') }
        : rateLimited(state.limiter.rate, fault.retryAfter ?? 1),
    );
  }
  if (fault?.kind === 'reset' && fault.afterBytes === undefined) {
    await sleep(latency);
    req.socket.destroy();
    return;
  }

  // The log keeps the query as asked; the handler sees it as a server ignoring `sort` would.
  if (fault?.kind === 'ignore_sort') url.searchParams.delete('sort');
  let result: HandlerResult;
  try {
    const body = method === 'POST' ? await readJsonBody(req) : undefined;
    result = match.route.handler(
      { method, path: url.pathname, params: match.params, query: url.searchParams, body },
      { world: state.world, codec: state.codec },
    );
  } catch (err) {
    if (err instanceof SimHttpError) return answer(fail(err.status, err.detail, err.code));
    throw err;
  }

  if (result.page !== undefined) {
    // A serialized feed page: faults rewrite or break its bytes, never regenerate it. Its memory
    // is reused for later pages once no response is writing it: hold it until this one is over.
    res.once('close', state.world.pages.hold(result.page));
    const bytes = pageBody(result, fault, state.world.ctx.shapes);
    await sleep(latency + (fault?.kind === 'slow' ? fault.delayMs : 0));
    entry.status = 200;
    if (fault?.kind === 'truncated' || fault?.kind === 'malformed' || fault?.kind === 'reset') {
      writeBroken(res, bytes, fault);
    } else {
      writeBody(res, 200, bytes);
    }
    return;
  }
  const body = result.body;
  if (fault?.kind === 'repeat_cursor' && result.cursor?.start !== undefined) {
    body.next = result.cursor.start;
  }
  if (fault?.kind === 'empty_page_with_cursor' && result.cursor) {
    body[result.cursor.recordsKey] = listValue([], state.world.ctx.shapes);
    if ('ids' in body) body.ids = listValue([], state.world.ctx.shapes);
    body.next = result.cursor.restart;
  }
  if (fault?.kind === 'slow') return answer({ status: 200, body }, fault.delayMs);
  if (fault?.kind === 'truncated' || fault?.kind === 'malformed' || fault?.kind === 'reset') {
    await sleep(latency);
    entry.status = 200;
    writeBroken(res, Buffer.from(JSON.stringify(body)), fault);
    return;
  }
  return answer({ status: 200, body });
}

function rateLimited(rps: number, retryAfter: number): Answer {
  // Exactly the vendor's example body, with the configured rate.
  const limit = rps > 0 ? rps : 10;
  return {
    status: 429,
    body: errorEnvelope(429, `rate limited to ${limit} requests per 1s (reference a1b2c3)`),
    headers: { 'retry-after': String(retryAfter) },
  };
}

function statusDetail(status: number): string {
  switch (status) {
    case 403:
      return 'Forbidden: this API key lacks the scope for this resource';
    case 502:
      return 'bad gateway';
    case 503:
      return 'service unavailable';
    case 504:
      return 'gateway timeout';
    default:
      return 'internal server error';
  }
}

function writeBroken(res: ServerResponse, full: Buffer, fault: FaultEffect): void {
  const headers = { 'content-type': 'application/json; charset=utf-8' };
  if (fault.kind === 'truncated') {
    const cut = full.subarray(0, Math.floor(full.length / 2));
    res.writeHead(200, { ...headers, 'content-length': String(cut.length) });
    res.end(cut);
    return;
  }
  if (fault.kind === 'malformed') {
    const text = full.toString('utf8');
    const broken = text.includes('":') ? text.replace('":', '":,') : '{,}';
    const bytes = Buffer.from(broken);
    res.writeHead(200, { ...headers, 'content-length': String(bytes.length) });
    res.end(bytes);
    return;
  }
  // reset after some bytes: promise the whole body, send part of it, drop the connection.
  const afterBytes = fault.kind === 'reset' ? (fault.afterBytes ?? 0) : 0;
  res.writeHead(200, { ...headers, 'content-length': String(full.length) });
  res.flushHeaders();
  const part = full.subarray(0, Math.min(afterBytes, Math.max(0, full.length - 1)));
  const drop = () => res.socket?.destroy();
  if (part.length === 0) setImmediate(drop);
  else res.write(part, drop);
}
