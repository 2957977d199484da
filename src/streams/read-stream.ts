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

/** The reader of every table that is one list endpoint: paginate, map, filter by start date. */
export const readTableStream: StreamReader = async function* readTableStream(def, ctx) {
  const keep = startDateFilter(def, ctx.startDate);
  const pages = paginate(ctx.client, requestFor(def, ctx), def.recordsKey, def.paging, {
    from: pagePositionFrom(ctx.resume, def.name),
    signal: ctx.signal,
    stream: def.name,
  });
  for await (const page of pages) {
    const rows = page.records.map((record) => rowFromRecord(def, record));
    yield { rows: keep(rows), position: page.next };
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
