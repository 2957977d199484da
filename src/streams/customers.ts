import { CioError } from '../api/errors.js';
import { paginate } from '../api/paginators.js';
import type { ApiClient, RequestOptions } from '../api/types.js';
import { mapWithConcurrency } from './concurrency.js';
import { customerRow, normalCioId, type Person } from './customer-row.js';
import { pagePositionFrom } from './resume-position.js';
import { isRecordObject } from './transform.js';
import type { Row, StreamReader } from './types.js';

/** The attributes endpoint takes at most 100 ids per call. */
export const ATTRIBUTES_BATCH_SIZE = 100;
const ATTRIBUTES_PATH = '/v1/customers/attributes';

function cioIdOf(person: Person): string | null {
  const identifiers = isRecordObject(person.identifiers) ? person.identifiers : {};
  const attributes = isRecordObject(person.attributes) ? person.attributes : {};
  return normalCioId(identifiers.cio_id ?? attributes.cio_id ?? person.cio_id);
}

/** The people of one attributes answer, keyed by cio_id. */
function peopleOf(body: unknown): Map<string, Person> {
  if (!isRecordObject(body)) {
    throw new CioError('CIO_ERR_BAD_RESPONSE', `${ATTRIBUTES_PATH}: the body is not a JSON object`, {
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
    const person = isRecordObject(item) && isRecordObject(item.customer) ? item.customer : item;
    if (!isRecordObject(person)) {
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
 * path lookups need is undocumented: bare ids are sent first, and a batch that finds nobody is
 * asked again with the prefix; the form that works is kept for the rest of the read.
 */
class AttributesFetcher {
  private form: 'bare' | 'prefixed' | 'unknown' = 'unknown';

  constructor(
    private readonly client: ApiClient,
    private readonly options: RequestOptions,
  ) {}

  async fetch(cioIds: string[]): Promise<Map<string, Person>> {
    if (this.form === 'prefixed') return this.call(cioIds.map((id) => `cio_${id}`));
    const people = await this.call(cioIds);
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

/**
 * People: page through the ids of everyone (`cio_id exists`), then fetch each page's people by
 * cio_id in batches of 100, up to `ctx.concurrency` calls at once. By cio_id, since people
 * without an `id` exist. A page is yielded once all its batches are in, with the ids cursor as
 * position. People the attributes call silently omits (deleted meanwhile) are counted and
 * reported once through `ctx.onWarning` at the end.
 */
export const readCustomers: StreamReader = async function* readCustomers(def, ctx) {
  const options: RequestOptions = { signal: ctx.signal, stream: def.name };
  const fetcher = new AttributesFetcher(ctx.client, options);
  let listedCount = 0;
  let missing = 0;
  const pages = paginate(ctx.client, def.request, def.recordsKey, def.paging, {
    from: pagePositionFrom(ctx.resume, def.name),
    ...options,
  });
  for await (const page of pages) {
    const listed = new Map<string, Person>();
    for (const record of page.records) {
      const cioId = isRecordObject(record) ? normalCioId(record.cio_id) : null;
      if (!isRecordObject(record) || cioId === null) {
        throw new CioError('CIO_ERR_BAD_RESPONSE', `${def.request.path}: an identifier without cio_id`, {
          path: def.request.path,
          stream: def.name,
        });
      }
      listed.set(cioId, record);
    }
    const ids = [...listed.keys()];
    const batches = await mapWithConcurrency(chunk(ids, ATTRIBUTES_BATCH_SIZE), ctx.concurrency, (batch) =>
      fetcher.fetch(batch),
    );
    const found = new Map<string, Person>();
    for (const people of batches) for (const [cioId, person] of people) found.set(cioId, person);
    const rows: Row[] = [];
    for (const [cioId, identifiers] of listed) {
      const person = found.get(cioId);
      if (person === undefined) missing++;
      else rows.push(customerRow(cioId, person, identifiers));
    }
    listedCount += ids.length;
    yield { rows, position: page.next };
  }
  if (missing > 0) {
    ctx.onWarning?.(
      `customers: ${missing} of ${listedCount} people listed by POST /v1/customers were not returned by ` +
        `${ATTRIBUTES_PATH} (deleted during the read?)`,
    );
  }
};
