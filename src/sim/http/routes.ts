/**
 * The simulator's own route table, written from shared/docs/customerio-app-api.md (never from the
 * connector's definitions, so a wrong path, key or paging rule there fails a test).
 */
import { customerAttributes, customerAttributesById, searchCustomers } from './handlers-customers.js';
import { getMessage, listActivities, listMessages } from './handlers-deliveries.js';
import { getOne, listAll, listIpAddresses, listNewsletters, listSenderIdentities } from './handlers-lists.js';
import { listSuppressions } from './handlers-suppressions.js';
import type { Route } from './route-types.js';

export const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: '/v1/broadcasts', paging: 'none', handler: listAll('broadcasts', 'broadcasts') },
  {
    method: 'GET',
    pattern: '/v1/broadcasts/:id',
    paging: 'none',
    handler: getOne('broadcasts', 'broadcast', 'broadcast'),
  },
  {
    method: 'GET',
    pattern: '/v1/transactional',
    paging: 'none',
    handler: listAll('transactional', 'messages'),
  },
  {
    method: 'GET',
    pattern: '/v1/transactional/:id',
    paging: 'none',
    handler: getOne('transactional', 'message', 'transactional message'),
  },
  { method: 'POST', pattern: '/v1/customers', paging: 'cursor', handler: searchCustomers },
  { method: 'POST', pattern: '/v1/customers/attributes', paging: 'none', handler: customerAttributes },
  { method: 'GET', pattern: '/v1/customers/:id/attributes', paging: 'none', handler: customerAttributesById },
  { method: 'GET', pattern: '/v1/campaigns', paging: 'none', handler: listAll('campaigns', 'campaigns') },
  {
    method: 'GET',
    pattern: '/v1/campaigns/:id',
    paging: 'none',
    handler: getOne('campaigns', 'campaign', 'campaign'),
  },
  { method: 'GET', pattern: '/v1/newsletters', paging: 'cursor', handler: listNewsletters },
  {
    method: 'GET',
    pattern: '/v1/newsletters/:id',
    paging: 'none',
    handler: getOne('newsletters', 'newsletter', 'newsletter'),
  },
  { method: 'GET', pattern: '/v1/segments', paging: 'none', handler: listAll('segments', 'segments') },
  {
    method: 'GET',
    pattern: '/v1/segments/:id',
    paging: 'none',
    handler: getOne('segments', 'segment', 'segment'),
  },
  { method: 'GET', pattern: '/v1/messages', paging: 'cursor', handler: listMessages },
  { method: 'GET', pattern: '/v1/messages/:id', paging: 'none', handler: getMessage },
  { method: 'GET', pattern: '/v1/exports', paging: 'none', handler: listAll('exports', 'exports') },
  {
    method: 'GET',
    pattern: '/v1/exports/:id',
    paging: 'none',
    handler: getOne('exports', 'export', 'export'),
  },
  { method: 'GET', pattern: '/v1/activities', paging: 'cursor', handler: listActivities },
  { method: 'GET', pattern: '/v1/sender_identities', paging: 'cursor', handler: listSenderIdentities },
  {
    method: 'GET',
    pattern: '/v1/reporting_webhooks',
    paging: 'none',
    handler: listAll('reporting_webhooks', 'reporting_webhooks'),
  },
  { method: 'GET', pattern: '/v1/snippets', paging: 'none', handler: listAll('snippets', 'snippets') },
  { method: 'GET', pattern: '/v1/info/ip_addresses', paging: 'none', public: true, handler: listIpAddresses },
  {
    method: 'GET',
    pattern: '/v1/collections',
    paging: 'none',
    handler: listAll('collections', 'collections'),
  },
  { method: 'GET', pattern: '/v1/subscription_topics', paging: 'none', handler: listAll('topics', 'topics') },
  { method: 'GET', pattern: '/v1/workspaces', paging: 'none', handler: listAll('workspaces', 'workspaces') },
  { method: 'GET', pattern: '/v1/object_types', paging: 'none', handler: listAll('object_types', 'types') },
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
