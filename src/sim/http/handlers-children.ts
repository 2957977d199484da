/**
 * The child endpoints of campaigns, broadcasts, newsletters and segments, as observed live
 * (docs/customerio-beyond.md 0.1, A to D): a missing parent is a structured 404 "not found", a
 * `start` the actions routes did not mint for this parent is a 400, empty lists may be `null`.
 */
import type { KeptChild } from '../world/children.js';
import { SimHttpError } from './http-error.js';
import { readLimit } from './paging.js';
import type { Handler, HandlerResult, Route, SimRequest } from './route-types.js';

function parentId(req: SimRequest): number {
  const raw = req.params.id ?? '';
  // A non-numeric id reaches no parent: the live answer is the same 404.
  if (!/^\d{1,12}$/.test(raw)) throw new SimHttpError(404, 'not found');
  return Number(raw);
}

/** An unpaged child list: one answer holds every child; `start` is refused where live refuses it. */
function whole(name: KeptChild, key: string, refusesStart: boolean): Handler {
  return (req, { world }) => {
    const children = world.children.of(name, parentId(req));
    if (children === undefined) throw new SimHttpError(404, 'not found');
    if (refusesStart && req.query.has('start')) throw new SimHttpError(400, 'bad request');
    // A newsletter without an A/B test: the list comes back as null.
    return { body: { [key]: children.length === 0 && name === 'newsletter_test_groups' ? null : children } };
  };
}

const ACTIONS_PER_PAGE = 10;

/** Campaign actions: 10 per page; `limit` ignored; a token minted for another campaign is a 400. */
const campaignActions: Handler = (req, { world, codec }) => {
  const id = parentId(req);
  const actions = world.children.of('campaign_actions', id);
  if (actions === undefined) throw new SimHttpError(404, 'not found');
  const resource = `campaign_actions:${id}`;
  const raw = req.query.get('start');
  let from = 0;
  if (raw !== null && raw !== '') {
    const start = codec.decode(resource, raw);
    if (start === undefined) throw new SimHttpError(400, 'bad request');
    from = start.pos;
  }
  const page = actions.slice(from, from + ACTIONS_PER_PAGE);
  const after = from + ACTIONS_PER_PAGE;
  return { body: { actions: page, next: after < actions.length ? codec.encode(resource, after) : '' } };
};

/**
 * Segment membership: positional tokens shared by every segment (live, a token replayed on another
 * segment is an offset there); past the end, and for an empty segment, the arrays are null.
 */
const membership: Handler = (req, { world, codec }): HandlerResult => {
  const id = parentId(req);
  if (!world.catalog.segments.records.some((s) => s.id === id)) throw new SimHttpError(404, 'not found');
  const from = codec.readStart('membership', req.query)?.pos ?? 0;
  const limit = readLimit(req.query, 1000, 30000);
  const { members, next } = world.children.members(id, from, limit);
  return {
    body: {
      segment_id: id,
      ids: members.length === 0 ? null : members.map((m) => m.id ?? ''),
      identifiers: members.length === 0 ? null : members,
      next: next === undefined ? '' : codec.encode('membership', next),
    },
  };
};

const usedBy: Handler = (req, { world }) => {
  const id = parentId(req);
  if (!world.catalog.segments.records.some((s) => s.id === id)) throw new SimHttpError(404, 'not found');
  return { body: { segment_id: id, used_by: world.children.usedBy(id) } };
};

export const CHILD_ROUTES: readonly Route[] = [
  { method: 'GET', pattern: '/v1/campaigns/:id/actions', paging: 'cursor', handler: campaignActions },
  {
    method: 'GET',
    pattern: '/v1/broadcasts/:id/actions',
    paging: 'none',
    handler: whole('broadcast_actions', 'actions', true),
  },
  {
    method: 'GET',
    pattern: '/v1/broadcasts/:id/triggers',
    paging: 'none',
    handler: whole('broadcast_triggers', 'triggers', false),
  },
  {
    method: 'GET',
    pattern: '/v1/newsletters/:id/contents',
    paging: 'none',
    handler: whole('newsletter_contents', 'contents', false),
  },
  {
    method: 'GET',
    pattern: '/v1/newsletters/:id/test_groups',
    paging: 'none',
    handler: whole('newsletter_test_groups', 'test_groups', false),
  },
  { method: 'GET', pattern: '/v1/segments/:id/membership', paging: 'cursor', handler: membership },
  { method: 'GET', pattern: '/v1/segments/:id/used_by', paging: 'none', handler: usedBy },
];
