/**
 * Objects (docs/customerio-beyond.md G.2 to G.4): the object search that lists a type's ids, one
 * object's attributes, and the people related to one object. Cursors are positional per type or
 * per object.
 */
import { SimHttpError } from './http-error.js';
import { readLimit } from './paging.js';
import type { Handler, Route } from './route-types.js';

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const search: Handler = (req, { world, codec }) => {
  const body = isJsonObject(req.body) ? req.body : {};
  const typeId = body.object_type_id;
  if (typeof typeId !== 'string' || !/^\d+$/.test(typeId)) {
    throw new SimHttpError(400, 'object_type_id must be an integer as a string');
  }
  if (!isJsonObject(body.filter)) throw new SimHttpError(400, 'filter is required');
  const objects = world.objects.of(typeId) ?? [];
  const resource = `objects:${typeId}`;
  const from = codec.readStart(resource, req.query)?.pos ?? 0;
  const limit = readLimit(req.query, 50, 1000);
  const page = objects.slice(from, from + limit);
  const after = from + limit;
  return {
    body: {
      identifiers: page.map((o) => ({
        object_id: o.object_id ?? null,
        cio_object_id: o.cio_object_id ?? null,
      })),
      ids: page.map((o) => o.object_id ?? null),
      next: after < objects.length ? codec.encode(resource, after) : '',
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
  const resource = `relationships:${typeId}:${objectId}`;
  const from = codec.readStart(resource, req.query)?.pos ?? 0;
  const limit = readLimit(req.query, 50, 1000);
  const page = people.slice(from, from + limit);
  const after = from + limit;
  return {
    body: {
      cio_relationships: page.map((identifiers) => ({
        identifiers,
        object_type_disabled: false,
        object_type_id: typeId,
      })),
      next: after < people.length ? codec.encode(resource, after) : '',
    },
  };
};

export const OBJECT_ROUTES: readonly Route[] = [
  { method: 'POST', pattern: '/v1/objects', paging: 'cursor', handler: search },
  { method: 'GET', pattern: '/v1/objects/:type/:id/attributes', paging: 'none', handler: attributes },
  { method: 'GET', pattern: '/v1/objects/:type/:id/relationships', paging: 'cursor', handler: relationships },
];
