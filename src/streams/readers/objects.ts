import { paginate } from '../../api/paginators.js';
import type { ApiRequest } from '../../api/types.js';
import { CioError, isCioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { ParentKey, ReadContext } from '../types.js';

/**
 * The objects of one object type (docs/customerio-beyond.md G): their ids from the object search
 * (`object_id exists` matches every object), then one request per object. No endpoint returns the
 * attributes of many objects at once, hence `objects` and `object_relationships` are opt-in.
 */

/** The search documents no maximum `limit`; 1000 is what peers send. */
const SEARCH_PAGE = 1000;
const RELATIONSHIPS_PAGE = 1000;

function searchRequest(typeId: string): ApiRequest {
  const everyObject = { object_attribute: { field: 'object_id', operator: 'exists', type_id: typeId } };
  return {
    method: 'POST',
    path: '/v1/objects',
    body: { object_type_id: typeId, filter: { and: [everyObject] } },
  };
}

async function objectIds(
  typeId: string,
  ctx: ReadContext,
  signal: AbortSignal,
  stream: string,
): Promise<string[]> {
  const ids: string[] = [];
  const pages = paginate(
    ctx.client,
    searchRequest(typeId),
    'identifiers',
    { kind: 'cursor', pageSize: SEARCH_PAGE },
    {
      signal,
      stream,
    },
  );
  for await (const page of pages) {
    for (const record of page.records) {
      if (isRecord(record) && typeof record.object_id === 'string' && record.object_id !== '')
        ids.push(record.object_id);
    }
  }
  return [...new Set(ids)];
}

/** `fn` over `items`, `width` at a time, results in the items' order. */
async function inOrder<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  return results;
}

/** Deleted between the search and this read: skipped (the complete read marks its rows deleted). */
function isGone(error: unknown): boolean {
  return isCioError(error) && error.status === 404;
}

function objectPath(typeId: string, objectId: string, what: string): string {
  return `/v1/objects/${encodeURIComponent(typeId)}/${encodeURIComponent(objectId)}/${what}`;
}

/** `read` for every object of a type (ids from the search), `concurrency` objects at a time. */
async function eachObject<R>(
  key: ParentKey,
  ctx: ReadContext,
  signal: AbortSignal,
  stream: string,
  read: (typeId: string, objectId: string) => Promise<R>,
): Promise<R[]> {
  const typeId = String(key);
  const ids = await objectIds(typeId, ctx, signal, stream);
  return inOrder(ids, ctx.concurrency, (objectId) => read(typeId, objectId));
}

/** Every object of a type as `{object_id, cio_object_id, attributes, timestamps}`. */
export async function objectsOfType(
  key: ParentKey,
  ctx: ReadContext,
  signal: AbortSignal,
  stream: string,
): Promise<unknown[]> {
  const records = await eachObject(key, ctx, signal, stream, async (typeId, objectId) => {
    const path = objectPath(typeId, objectId, 'attributes');
    let body: unknown;
    try {
      body = await ctx.client.request({ method: 'GET', path }, { signal, stream });
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
    const object = isRecord(body) ? body.object : undefined;
    if (!isRecord(object)) {
      throw new CioError('CIO_ERR_BAD_RESPONSE', `The Customer.io API answered ${path} without "object".`, {
        path,
        stream,
      });
    }
    const identifiers = isRecord(object.identifiers) ? object.identifiers : {};
    return {
      object_id: objectId,
      cio_object_id: identifiers.cio_object_id ?? null,
      attributes: object.attributes ?? null,
      timestamps: object.timestamps ?? null,
    };
  });
  return records.filter((record) => record !== undefined);
}

/** Every person related to every object of a type, as `{object_id, cio_id, id, email}`. */
export async function relationshipsOfType(
  key: ParentKey,
  ctx: ReadContext,
  signal: AbortSignal,
  stream: string,
): Promise<unknown[]> {
  const lists = await eachObject(key, ctx, signal, stream, async (typeId, objectId) => {
    const request: ApiRequest = { method: 'GET', path: objectPath(typeId, objectId, 'relationships') };
    const paging = { kind: 'cursor', pageSize: RELATIONSHIPS_PAGE } as const;
    const people: unknown[] = [];
    try {
      for await (const page of paginate(ctx.client, request, 'cio_relationships', paging, {
        signal,
        stream,
      })) {
        for (const record of page.records) {
          const who = isRecord(record) && isRecord(record.identifiers) ? record.identifiers : {};
          people.push({
            object_id: objectId,
            cio_id: who.cio_id ?? null,
            id: who.id ?? null,
            email: who.email ?? null,
          });
        }
      }
    } catch (error) {
      if (!isGone(error)) throw error;
      return [];
    }
    return people;
  });
  return lists.flat();
}
