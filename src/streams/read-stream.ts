import { setMaxListeners } from 'node:events';
import { paginate } from '../api/paginators.js';
import type { ApiRequest } from '../api/types.js';
import { readCustomers } from './customers.js';
import { pagePositionFrom } from './resume-position.js';
import { startDateFilter } from './start-date.js';
import { readSuppressions } from './suppressions.js';
import { isoToUnix, rowFromRecord } from './transform.js';
import type { ReadContext, StreamDefinition, StreamReader } from './types.js';

function requestFor(def: StreamDefinition, ctx: ReadContext): ApiRequest {
  if (def.serverTimeFilter === 'start_ts' && ctx.startDate !== undefined) {
    return { ...def.request, query: { ...def.request.query, start_ts: isoToUnix(ctx.startDate) } };
  }
  return def.request;
}

const ignore = (): void => {};

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
  const pages = paginate(ctx.client, requestFor(def, ctx), def.recordsKey, def.paging, {
    from: pagePositionFrom(ctx.resume, def.name),
    signal,
    stream: def.name,
  });
  let ahead = pages.next();
  ahead.catch(ignore); // awaited below; a failure must not count as unhandled meanwhile
  try {
    for (;;) {
      const result = await ahead;
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

export function readerFor(def: StreamDefinition): StreamReader {
  switch (def.reader) {
    case 'customers':
      return readCustomers;
    case 'suppressions':
      return readSuppressions;
    default:
      return readTableStream;
  }
}
