/**
 * The simulator's own route table, written from docs/customerio-app-api.md (never from the
 * connector's definitions, so a wrong path, key or paging rule there fails a test): the routes of
 * every CATALOG entry (world/catalog-tables.ts), then the big and special resources.
 */

import { CATALOG, CATALOG_NAMES, type CatalogName } from '../world/catalog-tables.js';
import { CHILD_ROUTES } from './handlers-children.js';
import { customerAttributes, customerAttributesById, searchCustomers } from './handlers-customers.js';
import { getMessage, listActivities, listMessages } from './handlers-deliveries.js';
import { getOne, listAll, listIpAddresses, listKeyset } from './handlers-lists.js';
import { METRICS_ROUTES } from './handlers-metrics.js';
import { OBJECT_ROUTES } from './handlers-objects.js';
import { listSuppressions } from './handlers-suppressions.js';
import type { Route } from './route-types.js';

/** The list route of a CATALOG entry, and its single-item route if it has one. */
function catalogRoutes(name: CatalogName): Route[] {
  const spec = CATALOG[name];
  const recordsKey = spec.recordsKey ?? name;
  const routes: Route[] = [
    spec.paging === undefined
      ? { method: 'GET', pattern: spec.path, paging: 'none', handler: listAll(name, recordsKey) }
      : {
          method: 'GET',
          pattern: spec.path,
          paging: 'cursor',
          handler: listKeyset(name, recordsKey, spec.paging),
        },
  ];
  if (spec.item !== undefined) {
    routes.push({
      method: 'GET',
      pattern: `${spec.path}/:id`,
      paging: 'none',
      handler: getOne(name, spec.item.key, spec.item.noun),
    });
  }
  return routes;
}

export const ROUTES: readonly Route[] = [
  ...CATALOG_NAMES.flatMap(catalogRoutes),
  ...CHILD_ROUTES,
  ...OBJECT_ROUTES,
  ...METRICS_ROUTES,
  { method: 'POST', pattern: '/v1/customers', paging: 'cursor', handler: searchCustomers },
  { method: 'POST', pattern: '/v1/customers/attributes', paging: 'none', handler: customerAttributes },
  { method: 'GET', pattern: '/v1/customers/:id/attributes', paging: 'none', handler: customerAttributesById },
  { method: 'GET', pattern: '/v1/messages', paging: 'cursor', handler: listMessages },
  { method: 'GET', pattern: '/v1/messages/:id', paging: 'none', handler: getMessage },
  { method: 'GET', pattern: '/v1/activities', paging: 'cursor', handler: listActivities },
  { method: 'GET', pattern: '/v1/info/ip_addresses', paging: 'none', public: true, handler: listIpAddresses },
  {
    method: 'GET',
    pattern: '/v1/esp/suppression/:type(blocks|bounces|spam_reports|invalid_emails)',
    paging: 'offset',
    handler: listSuppressions,
  },
];

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern
    .split('/')
    .map((segment) => {
      const m = /^:(\w+)(?:\(([\w|]+)\))?$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]!);
      return m[2] ? `(${m[2]})` : '([^/]+)';
    })
    .join('/');
  return { route, regex: new RegExp(`^${source}$`), names };
}

const COMPILED = ROUTES.map(compile);

/** The route for a method and path (exact segments: no trailing slash), or undefined. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const { route, regex, names } of COMPILED) {
    if (route.method !== method) continue;
    const m = regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    try {
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]!);
      });
    } catch {
      return undefined;
    }
    return { route, params };
  }
  return undefined;
}
