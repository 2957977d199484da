import type { ApiClient, RequestOptions } from '../../api/types.js';
import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { normalCioId, type Person } from './customer-row.js';

/** The attributes endpoint takes at most 100 ids per call. */
export const ATTRIBUTES_BATCH_SIZE = 100;
export const ATTRIBUTES_PATH = '/v1/customers/attributes';

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
export class AttributesFetcher {
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

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
