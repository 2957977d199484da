import { setMaxListeners } from 'node:events';
import { paginate } from '../../api/paginators.js';
import { Semaphore } from '../../api/semaphore.js';
import type { ApiClient, PagePosition, RequestOptions } from '../../api/types.js';
import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { pagePositionFrom } from '../resume-position.js';
import type { Row, StreamDefinition, StreamReader } from '../types.js';
import { customerRow, normalCioId, type Person } from './customer-row.js';

/** The attributes endpoint takes at most 100 ids per call. */
export const ATTRIBUTES_BATCH_SIZE = 100;
const ATTRIBUTES_PATH = '/v1/customers/attributes';

function cioIdOf(person: Person): string | null {
  const identifiers = isRecord(person.identifiers) ? person.identifiers : {};
  const attributes = isRecord(person.attributes) ? person.attributes : {};
  return normalCioId(identifiers.cio_id ?? attributes.cio_id ?? person.cio_id);
}

/** The people of one attributes answer, keyed by cio_id. */
function peopleOf(body: unknown): Map<string, Person> {
  if (!isRecord(body)) {
    throw new CioError('CIO_ERR_BAD_RESPONSE', `${ATTRIBUTES_PATH}: the body is not a JSON object`, {
      path: ATTRIBUTES_PATH,
      stream: 'customers',
    });
  }
  // Nobody found is `"customers": []`; a body without the key is no answer, and reading it as
  // nobody would drop (and, in a full read, mark deleted) every person of the batch.
  if (!Object.hasOwn(body, 'customers')) {
    throw new CioError('CIO_ERR_BAD_RESPONSE', `${ATTRIBUTES_PATH}: the body has no "customers"`, {
      path: ATTRIBUTES_PATH,
      stream: 'customers',
    });
  }
  const items = body.customers ?? [];
  if (!Array.isArray(items)) {
    throw new CioError('CIO_ERR_BAD_RESPONSE', `${ATTRIBUTES_PATH}: "customers" is not an array`, {
      path: ATTRIBUTES_PATH,
      stream: 'customers',
    });
  }
  const people = new Map<string, Person>();
  for (const item of items) {
    // The vendor wraps each person in `customer`; accept an unwrapped person too.
    const person = isRecord(item) && isRecord(item.customer) ? item.customer : item;
    if (!isRecord(person)) {
      throw new CioError('CIO_ERR_BAD_RESPONSE', `${ATTRIBUTES_PATH}: a person is not a JSON object`, {
        path: ATTRIBUTES_PATH,
        stream: 'customers',
      });
    }
    const cioId = cioIdOf(person);
    if (cioId !== null) people.set(cioId, person);
  }
  return people;
}

/**
 * Fetches people by cio_id. Whether the body wants the ids bare or with the `cio_` prefix that
 * path lookups need is undocumented: bare ids are sent first, and a batch that finds nobody (or is
 * refused with a 400) is asked again with the prefix; the form that works is kept for the rest of
 * the read.
 */
class AttributesFetcher {
  private form: 'bare' | 'prefixed' | 'unknown' = 'unknown';

  constructor(
    private readonly client: ApiClient,
    private readonly options: RequestOptions,
  ) {}

  async fetch(cioIds: string[]): Promise<Map<string, Person>> {
    if (this.form === 'prefixed') return this.call(cioIds.map((id) => `cio_${id}`));
    let people: Map<string, Person>;
    try {
      people = await this.call(cioIds);
    } catch (error) {
      // A server that wants the prefix may refuse bare ids outright rather than find nobody.
      if (this.form !== 'unknown' || !(error instanceof CioError) || error.status !== 400) throw error;
      people = new Map();
    }
    if (people.size > 0 || this.form === 'bare') {
      this.form = 'bare';
      return people;
    }
    const retried = await this.call(cioIds.map((id) => `cio_${id}`));
    if (retried.size > 0) this.form = 'prefixed';
    return retried;
  }

  private async call(ids: string[]): Promise<Map<string, Person>> {
    const body = await this.client.request(
      { method: 'POST', path: ATTRIBUTES_PATH, query: { id_type: 'cio_id' }, body: { ids } },
      this.options,
    );
    return peopleOf(body);
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

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
export const readCustomers: StreamReader = async function* readCustomers(def, ctx) {
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
