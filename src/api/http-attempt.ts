import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { isRecord } from '../core/json.js';
import { abortReason } from './abort.js';
import { readChunks, withJoined } from './body-bytes.js';
import { apiErrorDetail } from './error-detail.js';
import { parseJsonBytes } from './json-bytes.js';
import type { AttemptOutcome } from './retry.js';

type Decoder = (input: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

const DECODERS: Record<string, Decoder> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/** The code zlib throws when the output would pass `maxOutputLength` (it stops inflating there). */
const OUTPUT_TOO_LARGE = 'ERR_BUFFER_TOO_LARGE';

/** What the client asks for: compression matters, a page of 1000 deliveries is megabytes of JSON. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export interface AttemptRequest {
  method: 'GET' | 'POST';
  /** Path and query as sent on the wire (base path prefix included). */
  target: string;
  /** Path below the host without query, for messages. */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** The most bytes of body read, and the most a compressed body may inflate to. */
  maxBytes: number;
}

export type AttemptResult =
  | { kind: 'ok'; status: number; body: Record<string, unknown>; date?: string }
  | AttemptOutcome;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a content-encoding (named in lower case) leaves the body as it is. */
function isIdentity(name: string): boolean {
  return name === '' || name === 'identity';
}

/** Undoes a content-encoding (named in lower case); undefined when the result passes `maxBytes`. */
async function decode(raw: Buffer, name: string, maxBytes: number): Promise<Buffer | undefined> {
  if (isIdentity(name)) return raw;
  const decoder = DECODERS[name];
  if (decoder === undefined) throw new Error(`unsupported content-encoding "${name}"`);
  try {
    return await decoder(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: unknown }).code === OUTPUT_TOO_LARGE) return undefined;
    throw error;
  }
}

function parseObject(bytes: Buffer): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = parseJsonBytes(bytes);
  } catch {
    return `invalid or truncated JSON (${bytes.length} bytes)`;
  }
  if (!isRecord(value)) {
    return `JSON ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value} instead of an object`;
  }
  return value;
}

function okResult(status: number, path: string, bytes: Buffer, date: string | undefined): AttemptResult {
  const parsed = parseObject(bytes);
  if (typeof parsed === 'string') return { kind: 'bad_body', status, path, reason: parsed };
  return date === undefined
    ? { kind: 'ok', status, body: parsed }
    : { kind: 'ok', status, body: parsed, date };
}

function parseErrorBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One HTTP exchange, turned into data: a parsed 2xx object or an outcome for `classify`. Throws only
 * when the caller's own signal aborted. The whole attempt (headers and body) has `timeoutMs`, so a
 * server dripping a body byte by byte cannot hold a request forever.
 */
export async function sendAttempt(dispatcher: Dispatcher, req: AttemptRequest): Promise<AttemptResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), req.timeoutMs);
  const forwardAbort = (): void => controller.abort();
  req.signal?.addEventListener('abort', forwardAbort, { once: true });
  try {
    const response = await dispatcher.request({
      path: req.target,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const status = response.statusCode;
    const ok = status >= 200 && status <= 299;
    const retryAfter = header(response.headers, 'retry-after');
    const date = header(response.headers, 'date');
    // An error's body only adds its text to the message: one too large to read is left out.
    const tooLarge = (stage: 'sent' | 'inflated'): AttemptResult =>
      ok
        ? { kind: 'too_large', status, path: req.path, limit: req.maxBytes, stage }
        : { kind: 'response', status, path: req.path, retryAfter };
    const chunks = await readChunks(response.body, req.maxBytes);
    if (chunks === undefined) return tooLarge('sent');
    const encoding = (header(response.headers, 'content-encoding') ?? 'identity').trim().toLowerCase();
    if (ok && isIdentity(encoding)) {
      return withJoined(chunks, (bytes) => okResult(status, req.path, bytes, date));
    }
    let bytes: Buffer | undefined;
    try {
      bytes = await decode(Buffer.concat(chunks), encoding, req.maxBytes);
    } catch (error) {
      if (!ok) return { kind: 'response', status, path: req.path };
      return { kind: 'bad_body', status, path: req.path, reason: (error as Error).message };
    }
    if (bytes === undefined) return tooLarge('inflated');
    if (ok) return okResult(status, req.path, bytes, date);
    return {
      kind: 'response',
      status,
      path: req.path,
      retryAfter,
      detail: apiErrorDetail(parseErrorBody(bytes.toString('utf8'))),
    };
  } catch (error) {
    if (req.signal?.aborted) throw abortReason(req.signal);
    if (controller.signal.aborted) return { kind: 'network', path: req.path, error, timedOut: true };
    return { kind: 'network', path: req.path, error };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', forwardAbort);
  }
}
