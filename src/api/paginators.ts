import { CioError } from '../core/errors.js';
import { isRecord } from '../core/json.js';
import { stateResetAdvice } from '../core/state.js';
import { apiErrorDetail } from './error-detail.js';
import type { ApiClient, ApiRequest, FetchedPage, PagePosition, Paging, QueryValue } from './types.js';

export interface PaginateOptions {
  /** Resume exactly here (a `next` from an earlier read). Null or absent: from the first page. */
  from?: PagePosition | null;
  signal?: AbortSignal;
  stream?: string;
  /**
   * Told when the API refused `from` (400 or 422: a cursor it no longer accepts) and the read
   * starts over from the first page instead of failing on every run.
   */
  onRestart?: (message: string) => void;
  /** Told the `Date` header of each page's answer (the API's clock). */
  onDate?: (date: string) => void;
}

/**
 * Consecutive empty pages that still carry a fresh cursor before we call it a loop. The live API
 * sends the odd empty page with a cursor (a trailing one, or gaps in a filtered scan), so we follow
 * them; a server that mints new cursors for empty pages forever would otherwise never stop. 50 costs
 * at most ~5 s of a 10/s budget and is far beyond the single trailing page seen in practice.
 */
export const MAX_CONSECUTIVE_EMPTY_PAGES = 50;

/** A paging rule as a tiny strategy: which query selects a page, and where the next one starts. */
interface PageStrategy {
  query(position: PagePosition | null): Record<string, QueryValue>;
  /** Null when `records` was the last page; throws when the API is looping. */
  next(position: PagePosition | null, records: unknown[], body: Record<string, unknown>): PagePosition | null;
}

interface Context {
  path: string;
  stream: string | undefined;
}

function paginationError(ctx: Context, message: string): CioError {
  return new CioError('CIO_ERR_PAGINATION', message, { path: ctx.path, stream: ctx.stream });
}

/** A 400 or 422: the server refused the request as asked, not failed to serve it. */
function isRefusal(error: unknown): boolean {
  return error instanceof CioError && (error.status === 400 || error.status === 422);
}

function shorten(cursor: string): string {
  return cursor.length > 40 ? `${cursor.slice(0, 40)}...` : cursor;
}

const singlePage: PageStrategy = { query: () => ({}), next: () => null };

function cursorPaging(pageSize: number, sendsLimit: boolean, ctx: Context): PageStrategy {
  const seen = new Set<string>();
  let emptyStreak = 0;
  return {
    query: (position) => {
      const start = position !== null && 'cursor' in position ? position.cursor : undefined;
      if (start !== undefined) seen.add(start);
      return sendsLimit ? { limit: pageSize, start } : { start };
    },
    next: (position, records, body) => {
      const raw = body.next;
      if (raw === undefined || raw === null || raw === '') return null;
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        throw new CioError(
          'CIO_ERR_BAD_RESPONSE',
          `The Customer.io API answered ${ctx.path} with a "next" that is not a string.`,
          {
            path: ctx.path,
            stream: ctx.stream,
          },
        );
      }
      const cursor = String(raw);
      const sent = position !== null && 'cursor' in position ? position.cursor : undefined;
      if (cursor === sent || seen.has(cursor)) {
        // An empty page pointing back to where the read has been ends the list (the tap's "stuck
        // cursor" guard); a page of records doing so would serve them again, forever.
        if (records.length === 0) return null;
        throw paginationError(
          ctx,
          `The API returned the same page cursor twice for ${ctx.path} ("${shorten(cursor)}"); stopping instead of looping. Run again; if it repeats, the endpoint is looping.`,
        );
      }
      seen.add(cursor);
      emptyStreak = records.length === 0 ? emptyStreak + 1 : 0;
      if (emptyStreak >= MAX_CONSECUTIVE_EMPTY_PAGES) {
        throw paginationError(
          ctx,
          `The API returned ${emptyStreak} empty pages in a row for ${ctx.path}, each with a new cursor; stopping instead of paging forever.`,
        );
      }
      return { cursor };
    },
  };
}

/** What a page looks like, cheaply: a server that ignores `offset` sends the same page again. */
function pageSignature(records: unknown[]): string {
  return JSON.stringify([records.length, records[0], records[records.length - 1]]);
}

function offsetPaging(pageSize: number, defaultPageSize: number | undefined, ctx: Context): PageStrategy {
  let previous: string | undefined;
  return {
    query: (position) => ({
      limit: pageSize,
      offset: position !== null && 'offset' in position ? position.offset : 0,
    }),
    next: (position, records) => {
      // Without a total, only a short page (or null, past the end) says it was the last one.
      const maybeCapped = records.length > 0 && records.length === defaultPageSize;
      if (records.length < pageSize && !maybeCapped) return null;
      const signature = pageSignature(records);
      if (signature === previous) {
        throw paginationError(
          ctx,
          `The API returned the same page twice for ${ctx.path} at different offsets; it seems to ignore "offset". Stopping instead of looping.`,
        );
      }
      previous = signature;
      const offset = position !== null && 'offset' in position ? position.offset : 0;
      return { offset: offset + records.length };
    },
  };
}

function strategyFor(paging: Paging, ctx: Context): PageStrategy {
  switch (paging.kind) {
    case 'none':
      return singlePage;
    case 'cursor':
      return cursorPaging(paging.pageSize, paging.sendsLimit !== false, ctx);
    case 'offset':
      return offsetPaging(paging.pageSize, paging.defaultPageSize, ctx);
  }
}

/** Checks a saved position against the paging kind: state written for another rule is unusable. */
function startPosition(
  paging: Paging,
  from: PagePosition | null | undefined,
  ctx: Context,
): PagePosition | null {
  if (from === undefined || from === null || paging.kind === 'none') return null;
  // Saved state comes from disk, so check the shape at run time, not only the type.
  const saved: unknown = from;
  const fits =
    isRecord(saved) &&
    (paging.kind === 'cursor'
      ? typeof saved.cursor === 'string' && saved.cursor !== ''
      : Number.isInteger(saved.offset) && (saved.offset as number) >= 0);
  if (!fits) {
    throw new CioError(
      'CIO_ERR_STATE',
      `The saved position ${JSON.stringify(from)} does not fit the ${paging.kind} paging of ${ctx.path}. ${stateResetAdvice(ctx.stream ?? '<table>')}`,
      { path: ctx.path, stream: ctx.stream },
    );
  }
  return from;
}

/**
 * The API's error envelope. A 200 carrying it (a proxy, a half-broken deploy) holds no records, so
 * its list must never be taken for the records.
 */
const ERROR_LIST_KEY = 'errors';

/**
 * The page's records: the array under `key` (null: none; an empty list is sent as `[]` or `null`).
 * Without that key, the body's only other array is taken, since implementations disagree on some
 * names (`transactional` for `messages`, `ips` for `ip_addresses`). A body with neither is an
 * error, never an empty page: an empty page ends a full read, which then marks every row of the
 * table deleted.
 */
function recordsOf(body: Record<string, unknown>, key: string, ctx: Context): unknown[] {
  let value = body[key];
  if (!Object.hasOwn(body, key)) {
    const arrays = Object.keys(body).filter((name) => name !== ERROR_LIST_KEY && Array.isArray(body[name]));
    if (arrays.length !== 1) {
      const found =
        arrays.length > 1
          ? `and with several lists (${arrays.join(', ')}); cannot tell which holds the records`
          : `and without any list of records${describeBody(body)}`;
      throw new CioError(
        'CIO_ERR_BAD_RESPONSE',
        `The Customer.io API answered ${ctx.path} without "${key}" ${found}.`,
        { path: ctx.path, stream: ctx.stream },
      );
    }
    value = body[arrays[0] as string];
  }
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  throw new CioError(
    'CIO_ERR_BAD_RESPONSE',
    `The Customer.io API answered ${ctx.path} with "${key}" that is ${typeof value}, not an array of records.`,
    { path: ctx.path, stream: ctx.stream },
  );
}

/** What a body without records held instead, for the error message: an error's text, or its keys. */
function describeBody(body: Record<string, unknown>): string {
  const detail = apiErrorDetail(body);
  if (detail !== undefined) return `; the API said: "${detail}"`;
  const keys = Object.keys(body);
  return keys.length === 0 ? ' (an empty object)' : ` (keys: ${keys.slice(0, 10).join(', ')})`;
}

/**
 * Reads a list endpoint page by page. Each yielded page says where to resume after it (`next`),
 * so a caller can checkpoint between pages and pass that position back as `from` later.
 */
export async function* paginate(
  client: ApiClient,
  request: ApiRequest,
  recordsKey: string,
  paging: Paging,
  opts: PaginateOptions = {},
): AsyncGenerator<FetchedPage> {
  const ctx: Context = { path: request.path, stream: opts.stream };
  let strategy = strategyFor(paging, ctx);
  let position = startPosition(paging, opts.from, ctx);
  let resuming = position !== null;
  for (;;) {
    let body: unknown;
    try {
      body = await client.request(
        { ...request, query: { ...request.query, ...strategy.query(position) } },
        { signal: opts.signal, stream: opts.stream, ...(opts.onDate ? { onDate: opts.onDate } : {}) },
      );
    } catch (error) {
      if (!resuming || !isRefusal(error)) throw error;
      opts.onRestart?.(
        `${ctx.stream ?? ctx.path}: the API refused the saved page position ${JSON.stringify(position)} (${(error as CioError).message}); reading from the first page again.`,
      );
      resuming = false;
      strategy = strategyFor(paging, ctx);
      position = null;
      continue;
    }
    resuming = false;
    if (!isRecord(body)) {
      throw new CioError(
        'CIO_ERR_BAD_RESPONSE',
        `The Customer.io API answered ${ctx.path} with something other than an object.`,
        {
          path: ctx.path,
          stream: ctx.stream,
        },
      );
    }
    const records = recordsOf(body, recordsKey, ctx);
    const next = strategy.next(position, records, body);
    yield { records, body, next };
    if (next === null) return;
    position = next;
  }
}
