import { setMaxListeners } from 'node:events';
import { paginate } from '../../api/paginators.js';
import type { ApiRequest, FetchedPage } from '../../api/types.js';
import { CioError } from '../../core/errors.js';
import { isoToUnix } from '../../core/time.js';
import { pagePositionFrom } from '../resume-position.js';
import { startDateFilter } from '../start-date.js';
import { rowFromRecord } from '../transform.js';
import type { ReadContext, StreamDefinition, StreamReader } from '../types.js';

/** The entry's request with the query the read adds (a partial read asking for newest first). */
function baseRequest(def: StreamDefinition, ctx: ReadContext): ApiRequest {
  return ctx.query ? { ...def.request, query: { ...def.request.query, ...ctx.query } } : def.request;
}

function requestFor(base: ApiRequest, def: StreamDefinition, ctx: ReadContext): ApiRequest {
  if (def.serverTimeFilter === 'start_ts' && ctx.startDate !== undefined) {
    return { ...base, query: { ...base.query, start_ts: isoToUnix(ctx.startDate) } };
  }
  return base;
}

const ignore = (): void => {};

/** A 400 or 422: the server refused the request as asked, not failed to serve it. */
function isRefusal(error: unknown): boolean {
  return error instanceof CioError && (error.status === 400 || error.status === 422);
}

/**
 * The reader of every table that is one list endpoint: paginate, map, filter by start date.
 *
 * The next page is requested as soon as a page arrives, so it travels while the consumer writes
 * this one: a cursor chain is sequential, and waiting for each write before asking for the next
 * page would add the write time to every one of its round trips. One page is held ahead at most,
 * and none when the consumer may stop early (`readAhead: false`).
 */
export const readTableStream: StreamReader = async function* readTableStream(def, ctx) {
  const keep = startDateFilter(def, ctx.startDate);
  const readAhead = ctx.readAhead ?? true;
  const stop = new AbortController();
  const signal = ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]);
  // Every queued and in-flight request listens to it: more than the default 10 is normal.
  setMaxListeners(0, signal);
  const from = pagePositionFrom(ctx.resume, def.name);
  const open = (request: ApiRequest) =>
    paginate(ctx.client, request, def.recordsKey, def.paging, {
      from,
      signal,
      stream: def.name,
      ...(ctx.onWarning ? { onRestart: ctx.onWarning } : {}),
    });
  const base = baseRequest(def, ctx);
  const request = requestFor(base, def, ctx);
  let pages = open(request);
  let ahead = pages.next();
  ahead.catch(ignore); // awaited below; a failure must not count as unhandled meanwhile
  let first = true;
  try {
    for (;;) {
      let result: IteratorResult<FetchedPage>;
      try {
        result = await ahead;
      } catch (error) {
        // `start_ts` may span at most 6 months: a server that refuses a longer window is read
        // without it, the start date then filtering here. Not on a resume: its cursor was minted
        // for the filtered list.
        if (!first || request === base || from !== null || !isRefusal(error)) throw error;
        ctx.onWarning?.(
          `${def.name}: the API refused the start date as a time filter (${(error as CioError).message}); reading every record and filtering by the start date instead.`,
        );
        first = false;
        pages = open(base);
        ahead = pages.next();
        ahead.catch(ignore);
        continue;
      }
      first = false;
      if (result.done) return;
      const page = result.value;
      const more = page.next !== null;
      if (more && readAhead) {
        ahead = pages.next();
        ahead.catch(ignore);
      }
      const rows = page.records.map((record) => rowFromRecord(def, record));
      yield { rows: keep(rows), position: page.next };
      if (!more) return;
      if (!readAhead) {
        ahead = pages.next();
        ahead.catch(ignore);
      }
    }
  } finally {
    // The consumer stopped early or a page failed: cancel the request running ahead.
    stop.abort();
    await ahead.catch(ignore);
    await pages.return(undefined).catch(ignore);
  }
};
