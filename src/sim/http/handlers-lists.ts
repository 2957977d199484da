/** Handlers for the small resources: whole lists, single items and keyset-paged lists. */
import type { KeysetPaging } from '../world/catalog.js';
import type { CatalogName } from '../world/catalog-tables.js';
import type { JsonObject } from '../world/types.js';
import { SimHttpError } from './http-error.js';
import { hiddenFilter, listValue } from './live-shapes.js';
import { readBool, readLimit } from './paging.js';
import type { Handler, HandlerContext, HandlerResult, SimRequest } from './route-types.js';

/** `{"<key>": [...every record...]}` (`null` live when empty); unknown query parameters are ignored. */
export function listAll(name: CatalogName, key: string): Handler {
  return (_req, { world }) => ({ body: { [key]: listValue(world.list(name), world.ctx.shapes) } });
}

/** `{"<key>": {...}}` for an integer id, 404 otherwise. */
export function getOne(name: CatalogName, key: string, noun: string): Handler {
  return (req, { world }) => {
    const raw = req.params.id ?? '';
    const id = /^\d{1,12}$/.test(raw) ? Number(raw) : Number.NaN;
    const record = world.list(name).find((r) => r.id === id);
    if (!record) throw new SimHttpError(404, `The ${noun} does not exist`);
    return { body: { [key]: record } };
  };
}

interface KeysetOptions extends KeysetPaging {
  resource: string;
  recordsKey: string;
}

/** Cursor paging over a list held in id order; the cursor is the id the next page starts at. */
function keysetPage(
  records: JsonObject[],
  req: SimRequest,
  ctx: HandlerContext,
  o: KeysetOptions,
): HandlerResult {
  const sort = req.query.get('sort');
  if (sort !== null && sort !== 'asc' && sort !== 'desc')
    throw new SimHttpError(400, 'sort must be asc or desc');
  const desc = sort === 'desc';
  const resource = `${o.resource}:${desc ? 'desc' : 'asc'}`;
  const start = ctx.codec.readStart(resource, req.query);
  const limit = readLimit(req.query, o.defaultLimit, o.maxLimit);
  const ordered = desc ? records.slice().reverse() : records;
  const idOf = (r: JsonObject) => r.id as number;
  const firstPos = start?.pos ?? (desc ? 0xffffffff : 0);
  const from = ordered.findIndex((r) => (desc ? idOf(r) <= firstPos : idOf(r) >= firstPos));
  const page = from < 0 ? [] : ordered.slice(from, from + limit);
  const after = from < 0 ? undefined : ordered[from + limit];
  let next = '';
  if (after) next = ctx.codec.encode(resource, idOf(after));
  else if (o.trailingEmptyPage && page.length > 0) {
    const last = idOf(page[page.length - 1]!);
    next = ctx.codec.encode(resource, desc ? last - 1 : last + 1);
  }
  return {
    body: { [o.recordsKey]: listValue(page, ctx.world.ctx.shapes), next },
    cursor: {
      recordsKey: o.recordsKey,
      start: req.query.get('start') || undefined,
      restart: ctx.codec.encode(resource, firstPos, (start?.variant ?? 0) + 1),
    },
  };
}

/** A keyset-paged list; `hidden=true` lists the records the resource hides by default (hiddenFilter). */
export function listKeyset(name: CatalogName, recordsKey: string, paging: KeysetPaging): Handler {
  return (req, ctx) => {
    const which = hiddenFilter(readBool(req.query, 'hidden'), ctx.world.ctx.shapes);
    return keysetPage(ctx.world.list(name, which), req, ctx, { resource: name, recordsKey, ...paging });
  };
}

export const listIpAddresses: Handler = (_req, { world }) => ({
  body: { ip_addresses: listValue(world.ipAddresses(), world.ctx.shapes) },
});
