/**
 * People: POST /v1/customers (search by filter, cursor-paged identifiers) and the attributes
 * lookups. The filter grammar is the vendor's (and/or arrays, not, segment, attribute); only
 * `exists`/`eq` on id, email and cio_id are evaluated, every other condition matches everyone.
 */

import type { Identity, IdType } from '../world/customers.js';
import type { JsonObject } from '../world/types.js';
import { SimHttpError } from './http-error.js';
import { listValue } from './live-shapes.js';
import { collect, readLimit } from './paging.js';
import type { Handler } from './route-types.js';

/** true / false, or null when the condition is not one the simulator evaluates. */
type Verdict = boolean | null;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(detail: string): never {
  throw new SimHttpError(400, detail);
}

/** Checks the shape of a filter once, returning a predicate over identities. */
export function compileFilter(node: unknown): (who: Identity) => Verdict {
  if (!isObject(node)) bad('filter must be a JSON object');
  if ('and' in node || 'or' in node) {
    const all = 'and' in node;
    const list = all ? node.and : node.or;
    if (!Array.isArray(list)) bad(`filter.${all ? 'and' : 'or'} must be an array`);
    const parts = list.map(compileFilter);
    return (who) => {
      let unknown = true;
      for (const part of parts) {
        const v = part(who);
        if (v === null) continue;
        unknown = false;
        if (all && !v) return false;
        if (!all && v) return true;
      }
      return unknown ? null : all;
    };
  }
  if ('not' in node) {
    const inner = compileFilter(node.not);
    return (who) => {
      const v = inner(who);
      return v === null ? null : !v;
    };
  }
  if ('attribute' in node) {
    const attr = node.attribute;
    if (!isObject(attr) || typeof attr.field !== 'string' || typeof attr.operator !== 'string') {
      bad('filter.attribute needs a field and an operator');
    }
    const field = attr.field;
    if (field !== 'id' && field !== 'email' && field !== 'cio_id') return () => null;
    if (attr.operator === 'exists') return (who) => who[field] !== null;
    if (attr.operator === 'eq') {
      if (typeof attr.value !== 'string') bad('filter.attribute.value is required for eq');
      const value = attr.value;
      return (who) => who[field] === value;
    }
    return () => null;
  }
  return () => null;
}

export const searchCustomers: Handler = (req, { world, codec }) => {
  if (!isObject(req.body) || !('filter' in req.body)) bad('body must be a JSON object with a filter');
  const predicate = compileFilter(req.body.filter);
  const start = codec.readStart('customers', req.query);
  const limit = readLimit(req.query, 50, 1000);
  const { customers } = world;
  const first = start?.pos ?? 0;
  const { items, nextIndex } = collect(first, customers.table.rawCount(), 1, limit, (i) => {
    if (customers.table.fate(i).deleted) return undefined;
    const who = customers.identity(i);
    return predicate(who) === false ? undefined : who;
  });
  const { shapes } = world.ctx;
  return {
    body: {
      identifiers: listValue(
        items.map((who) => ({ cio_id: who.cio_id, email: who.email, id: who.id })),
        shapes,
      ),
      // `ids` holds `id` values, "" for people without one.
      ids: listValue(
        items.map((who) => who.id ?? ''),
        shapes,
      ),
      next: nextIndex === undefined ? '' : codec.encode('customers', nextIndex),
    },
    cursor: {
      recordsKey: 'identifiers',
      start: req.query.get('start') || undefined,
      restart: codec.encode('customers', first, (start?.variant ?? 0) + 1),
    },
  };
};

function readIdType(raw: unknown): IdType {
  if (raw === undefined || raw === null || raw === '') return 'id';
  if (raw === 'id' || raw === 'email' || raw === 'cio_id') return raw;
  if (raw === 'phone') bad('phone is not enabled as an identifier in this workspace');
  return bad('id_type must be one of id, email, cio_id, phone');
}

/**
 * Live, each item is the person itself, and under id_type=cio_id a `cio_`-prefixed id finds
 * nobody; in the spec each item wraps the person in `customer` and the prefix is accepted.
 */
export const customerAttributes: Handler = (req, { world }) => {
  const live = world.ctx.shapes === 'live';
  if (!isObject(req.body)) bad('body must be a JSON object');
  const { ids } = req.body;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100)
    bad('ids must hold between 1 and 100 values');
  if (!ids.every((id) => typeof id === 'string')) bad('ids must be strings');
  const idType = readIdType(req.query.get('id_type') ?? req.body.id_type);
  const seen = new Set<number>();
  const customers: JsonObject[] = [];
  for (const id of ids as string[]) {
    // Unknown ids are silently left out, as the live API does.
    if (live && idType === 'cio_id' && id.startsWith('cio_')) continue;
    const index = world.customers.find(idType, id);
    if (index === undefined || seen.has(index)) continue;
    seen.add(index);
    const customer = world.customers.get(index);
    if (customer) customers.push(live ? customer : { customer });
  }
  return { body: { customers: listValue(customers, world.ctx.shapes) } };
};

export const customerAttributesById: Handler = (req, { world }) => {
  const raw = req.params.id ?? '';
  // In a path, cio_id lookups use the `cio_` prefix.
  const idType = raw.startsWith('cio_') ? 'cio_id' : readIdType(req.query.get('id_type'));
  const index = world.customers.find(idType, raw);
  const customer = index === undefined ? undefined : world.customers.get(index);
  if (!customer) throw new SimHttpError(404, 'The customer does not exist');
  return { body: { customer } };
};
