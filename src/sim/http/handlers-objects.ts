/**
 * Objects (docs/customerio-beyond.md G.2 to G.4): the object search that lists a type's ids, one
 * object's attributes, and the people related to one object. Cursors are positional per type or
 * per object.
 */
import { SimHttpError } from './http-error.js';
import type { CursorCodec } from './paging.js';
import { readLimit } from './paging.js';
import type { Handler, Route, SimRequest } from './route-types.js';

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One page of a list by position (`start` a token of `resource`), and the token of the next. */
function positional<T>(
  list: readonly T[],
  resource: string,
  req: SimRequest,
  codec: CursorCodec,
): { page: T[]; next: string } {
  const from = codec.readStart(resource, req.query)?.pos ?? 0;
  const limit = readLimit(req.query, 50, 1000);
  const after = from + limit;
  return { page: list.slice(from, after), next: after < list.length ? codec.encode(resource, after) : '' };
}

const search: Handler = (req, { world, codec }) => {
  const body = isJsonObject(req.body) ? req.body : {};
  const typeId = body.object_type_id;
  if (typeof typeId !== 'string' || !/^\d+$/.test(typeId)) {
    throw new SimHttpError(400, 'object_type_id must be an integer as a string');
  }
  if (!isJsonObject(body.filter)) throw new SimHttpError(400, 'filter is required');
  const { page, next } = positional(world.objects.of(typeId) ?? [], `objects:${typeId}`, req, codec);
  return {
    body: {
      identifiers: page.map((o) => ({
        object_id: o.object_id ?? null,
        cio_object_id: o.cio_object_id ?? null,
      })),
      ids: page.map((o) => o.object_id ?? null),
      next,
    },
  };
};

/** The object a path names; 404 (undocumented, as for every missing parent) when there is none. */
function objectOf(req: { params: Record<string, string> }, world: Parameters<Handler>[1]['world']) {
  const typeId = req.params.type ?? '';
  const objectId = req.params.id ?? '';
  const object = world.objects.find(typeId, objectId);
  if (object === undefined) throw new SimHttpError(404, 'not found');
  return { typeId, objectId, object };
}

const attributes: Handler = (req, { world }) => {
  const { typeId, object } = objectOf(req, world);
  return {
    body: {
      object: {
        attributes: object.attributes ?? {},
        timestamps: object.timestamps ?? {},
        identifiers: {
          cio_object_id: object.cio_object_id ?? null,
          id: object.object_id ?? null,
          email: null,
        },
        object_type_id: typeId,
      },
    },
  };
};

const relationships: Handler = (req, { world, codec }) => {
  const { typeId, objectId } = objectOf(req, world);
  const people = world.objects.relatedPeople(typeId, objectId);
  const { page, next } = positional(people, `relationships:${typeId}:${objectId}`, req, codec);
  return {
    body: {
      cio_relationships: page.map((identifiers) => ({
        identifiers,
        object_type_disabled: false,
        object_type_id: typeId,
      })),
      next,
    },
  };
};

export const OBJECT_ROUTES: readonly Route[] = [
  { method: 'POST', pattern: '/v1/objects', paging: 'cursor', handler: search },
  { method: 'GET', pattern: '/v1/objects/:type/:id/attributes', paging: 'none', handler: attributes },
  { method: 'GET', pattern: '/v1/objects/:type/:id/relationships', paging: 'cursor', handler: relationships },
];
