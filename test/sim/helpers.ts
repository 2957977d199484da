/** Loopback HTTP helpers for the simulator tests (plain fetch, as any client would). */
import { Agent, fetch } from 'undici';
import type { Simulator } from '../../src/sim/index.js';

/**
 * A connection per request: a reused keep-alive connection that the server closes as idle just
 * as the next request goes out fails with ECONNRESET, which a loaded machine's event-loop delays
 * made happen in these tests (real clients retry such a request; these assert single answers).
 */
const freshConnections = new Agent({ pipelining: 0 });

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, string | number | boolean>;
  body?: unknown;
  /** Bearer token; null sends no Authorization header. Defaults to the simulator's token. */
  token?: string | null;
  rawBody?: string;
  contentType?: string;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(sim: Simulator, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const url = new URL(sim.url + path);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? sim.token : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined || opts.body !== undefined) {
    body = opts.rawBody ?? JSON.stringify(opts.body);
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  const res = await fetch(url, {
    dispatcher: freshConnections,
    method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function obj(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return value as Record<string, unknown>;
}

export function arr(value: unknown): unknown[] {
  if (!Array.isArray(value))
    throw new Error(`expected an array, got ${JSON.stringify(value)?.slice(0, 200)}`);
  return value;
}

/** A list as a client must read it: the live API answers an empty list as null. */
export function list(value: unknown): unknown[] {
  return value === null ? [] : arr(value);
}

/** A person from an attributes answer's item: wrapped in `customer` (spec) or not (live). */
export function person(item: unknown): Record<string, unknown> {
  const o = obj(item);
  return 'customer' in o ? obj(o.customer) : o;
}

export interface Walk {
  records: unknown[];
  pages: Record<string, unknown>[];
}

/** Follows `next` -> `start` until `next` is "", failing on a repeated token. */
export async function walkCursor(
  sim: Simulator,
  path: string,
  recordsKey: string,
  opts: { query?: Record<string, string | number | boolean>; body?: unknown; maxPages?: number } = {},
): Promise<Walk> {
  const records: unknown[] = [];
  const pages: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  let start: string | undefined;
  for (let n = 0; n < (opts.maxPages ?? 10_000); n++) {
    const res = await call(sim, path, {
      query: { ...opts.query, ...(start ? { start } : {}) },
      ...(opts.body !== undefined ? { body: opts.body } : {}),
    });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.text}`);
    const page = obj(res.json);
    pages.push(page);
    records.push(...list(page[recordsKey]));
    const next = page.next;
    if (typeof next !== 'string') throw new Error(`${path}: next is ${JSON.stringify(next)}`);
    if (next === '') return { records, pages };
    if (seen.has(next)) throw new Error(`${path}: cursor repeated`);
    seen.add(next);
    start = next;
  }
  throw new Error(`${path}: too many pages`);
}

/** limit/offset paging until a short page or `suppressions: null` (live) or `[]` (spec). */
export async function walkOffset(sim: Simulator, path: string, limit?: number): Promise<Walk> {
  const records: unknown[] = [];
  const pages: Record<string, unknown>[] = [];
  for (let offset = 0; ; ) {
    const res = await call(sim, path, { query: { offset, ...(limit ? { limit } : {}) } });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.text}`);
    const page = obj(res.json);
    pages.push(page);
    if (page.suppressions === null) return { records, pages };
    const rows = arr(page.suppressions);
    records.push(...rows);
    offset += rows.length;
    if (rows.length < (limit ?? 100)) return { records, pages };
  }
}

/** Every person, the way a connector gets them: search ids, then attributes by cio_id in 100s. */
export async function allCustomers(sim: Simulator): Promise<unknown[]> {
  const filter = { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] };
  const { records } = await walkCursor(sim, '/v1/customers', 'identifiers', {
    body: { filter },
    query: { limit: 1000 },
  });
  const cioIds = records.map((r) => String(obj(r).cio_id));
  const out: unknown[] = [];
  for (let i = 0; i < cioIds.length; i += 100) {
    const res = await call(sim, '/v1/customers/attributes', {
      query: { id_type: 'cio_id' },
      body: { ids: cioIds.slice(i, i + 100) },
    });
    if (res.status !== 200) throw new Error(`attributes answered ${res.status}: ${res.text}`);
    for (const item of list(obj(res.json).customers)) out.push(person(item));
  }
  return out;
}
