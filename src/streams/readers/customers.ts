import { setMaxListeners } from 'node:events';
import { paginate } from '../../api/paginators.js';
import { Semaphore } from '../../api/semaphore.js';
import type { PagePosition, RequestOptions } from '../../api/types.js';
import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { pagePositionFrom } from '../resume-position.js';
import type { Row, StreamDefinition, StreamReader } from '../types.js';
import { ATTRIBUTES_BATCH_SIZE, ATTRIBUTES_PATH, AttributesFetcher, chunk } from './customer-attributes.js';
import { readChangedCustomers, withFeedMark } from './customer-changes.js';
import { customerRow, normalCioId, type Person } from './customer-row.js';

export { ATTRIBUTES_BATCH_SIZE } from './customer-attributes.js';

interface ListedPage {
  /** The identifiers of the page, keyed by cio_id, in listed order. */
  listed: Map<string, Person>;
  /** The people of the page, being fetched. */
  people: Promise<Map<string, Person>[]>;
  next: PagePosition | null;
}

const ignore = (): void => {};

function listedOf(records: unknown[], def: StreamDefinition): Map<string, Person> {
  const listed = new Map<string, Person>();
  for (const record of records) {
    const cioId = isRecord(record) ? normalCioId(record.cio_id) : null;
    if (!isRecord(record) || cioId === null) {
      throw new CioError('CIO_ERR_BAD_RESPONSE', `${def.request.path}: an identifier without cio_id`, {
        path: def.request.path,
        stream: def.name,
      });
    }
    listed.set(cioId, record);
  }
  return listed;
}

/**
 * People: page through the ids of everyone (`cio_id exists`), then fetch each page's people by
 * cio_id in batches of 100, up to `ctx.concurrency` calls at once. By cio_id, since people
 * without an `id` exist. A page is yielded once all its batches are in, with the ids cursor as
 * position. People the attributes call silently omits (deleted meanwhile) are counted and
 * reported once through `ctx.onWarning` at the end.
 *
 * The next ids page is fetched, and its people queued, while the current page's people are
 * fetched and written: waiting for one page before asking for the next would leave the request
 * budget idle for a round trip per page. At most two pages are held at once.
 */
export const readCustomers: StreamReader = (def, ctx) => {
  const feed = ctx.changeFeed;
  if (feed?.since !== undefined) return readChangedCustomers(def, ctx, feed.since);
  return feed ? withFeedMark(def, ctx, readEveryone(def, ctx)) : readEveryone(def, ctx);
};

const readEveryone: StreamReader = async function* readEveryone(def, ctx) {
  const stop = new AbortController();
  const signal = ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]);
  // Every queued and in-flight request listens to it: more than the default 10 is normal.
  setMaxListeners(0, signal);
  const options: RequestOptions = { signal, stream: def.name };
  const fetcher = new AttributesFetcher(ctx.client, options);
  // One limit for the attribute calls of both pages in progress, granted in page order.
  const calls = new Semaphore(Math.max(1, ctx.concurrency));
  let failed = false;
  let listedCount = 0;
  let missing = 0;
  // Progress of the two phases, in people: ids listed so far (the total once the list is exhausted)
  // and people whose attributes were fetched, out of those listed.
  let idsListed = 0;
  let idsComplete = false;
  let attributesFetched = 0;
  const report = () =>
    ctx.onProgress?.([
      { label: 'ids', done: idsListed, ...(idsComplete ? { total: idsListed } : {}) },
      { label: 'attributes', done: attributesFetched, total: idsListed },
    ]);
  const pages = paginate(ctx.client, def.request, def.recordsKey, def.paging, {
    from: pagePositionFrom(ctx.resume, def.name),
    ...options,
    ...(ctx.onWarning ? { onRestart: ctx.onWarning } : {}),
  });

  const fetchBatch = async (batch: string[]): Promise<Map<string, Person>> => {
    const release = await calls.acquire(signal);
    try {
      // After a failure no further call starts: the read is lost anyway.
      if (failed) throw new CioError('CIO_ERR_INTERNAL', 'customers: stopped after an earlier failure');
      const people = await fetcher.fetch(batch);
      attributesFetched += batch.length;
      report();
      return people;
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      release();
    }
  };
  const listNext = async (): Promise<ListedPage | null> => {
    const result = await pages.next();
    if (result.done) {
      idsComplete = true;
      report();
      return null;
    }
    const listed = listedOf(result.value.records, def);
    idsListed += listed.size;
    report();
    const people = Promise.all(chunk([...listed.keys()], ATTRIBUTES_BATCH_SIZE).map(fetchBatch));
    people.catch(ignore); // awaited later; a failure must not count as unhandled meanwhile
    return { listed, people, next: result.value.next };
  };

  let upcoming = listNext();
  upcoming.catch(ignore);
  try {
    for (;;) {
      const page = await upcoming;
      if (page === null) break;
      upcoming = listNext();
      upcoming.catch(ignore);
      const found = new Map<string, Person>();
      for (const people of await page.people) for (const [cioId, person] of people) found.set(cioId, person);
      const rows: Row[] = [];
      for (const [cioId, identifiers] of page.listed) {
        const person = found.get(cioId);
        if (person === undefined) missing++;
        else rows.push(customerRow(cioId, person, identifiers));
      }
      listedCount += page.listed.size;
      yield { rows, position: page.next };
    }
  } finally {
    // The consumer stopped early or a call failed: cancel what is still running ahead.
    stop.abort();
    await upcoming.then((page) => page?.people).catch(ignore);
    await pages.return(undefined).catch(ignore);
  }
  if (missing > 0) {
    ctx.onWarning?.(
      `customers: ${missing} of ${listedCount} people listed by POST /v1/customers were not returned by ` +
        `${ATTRIBUTES_PATH} (deleted during the read?)`,
    );
  }
};
