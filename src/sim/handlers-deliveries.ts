/** Handlers for the index-generated, newest-first feeds: messages (deliveries) and activities. */
import { SimHttpError } from './http-error.js';
import { collect, readBool, readInt, readLimit } from './paging.js';
import type { Handler, HandlerContext, HandlerResult, SimRequest } from './route-types.js';
import type { JsonObject } from './types.js';
import { MESSAGE_TYPES, type MessageFilter } from './world-messages.js';

const METRICS = [
  'attempted',
  'sent',
  'delivered',
  'opened',
  'clicked',
  'converted',
  'bounced',
  'spammed',
  'unsubscribed',
  'dropped',
  'failed',
  'undeliverable',
] as const;

function readEnum(req: SimRequest, name: string, allowed: readonly string[]): string | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!allowed.includes(raw)) throw new SimHttpError(400, `${name} must be one of ${allowed.join(', ')}`);
  return raw;
}

interface FeedPage {
  resource: string;
  recordsKey: string;
  lo: number;
  hiExclusive: number;
  limit: number;
  take: (index: number) => JsonObject | undefined;
}

/** Newest first: walks raw indexes downwards; the cursor is the index the next page starts at. */
function feedPage(req: SimRequest, ctx: HandlerContext, p: FeedPage): HandlerResult {
  const start = ctx.codec.readStart(p.resource, req.query);
  const first = Math.min(start?.pos ?? Number.POSITIVE_INFINITY, p.hiExclusive - 1);
  const { items, nextIndex } = collect(first, p.lo - 1, -1, p.limit, p.take);
  return {
    body: {
      [p.recordsKey]: items,
      next: nextIndex === undefined ? '' : ctx.codec.encode(p.resource, nextIndex),
    },
    cursor: {
      recordsKey: p.recordsKey,
      start: req.query.get('start') || undefined,
      restart: ctx.codec.encode(p.resource, Math.max(0, first), (start?.variant ?? 0) + 1),
    },
  };
}

export const listMessages: Handler = (req, ctx) => {
  const { messages } = ctx.world;
  const limit = readLimit(req.query, 50, 1000);
  const startTs = readInt(req.query, 'start_ts');
  const endTs = readInt(req.query, 'end_ts');
  const filter: MessageFilter = {
    type: readEnum(req, 'type', MESSAGE_TYPES),
    metric: readEnum(req, 'metric', METRICS),
    campaignId: readInt(req.query, 'campaign_id'),
    newsletterId: readInt(req.query, 'newsletter_id'),
    actionId: readInt(req.query, 'action_id'),
  };
  const tracked = readBool(req.query, 'get_tracked_responses');
  // This workspace has no drafts: drafts=true lists nothing.
  const drafts = readBool(req.query, 'drafts');
  const { lo, hiExclusive } = messages.range(startTs, endTs);
  return feedPage(req, ctx, {
    resource: 'messages',
    recordsKey: 'messages',
    lo,
    hiExclusive: drafts ? lo : hiExclusive,
    limit,
    take: (i) => {
      if (filter.type !== undefined && messages.typeOf(i) !== filter.type) return undefined;
      const message = messages.get(i, tracked);
      return message && messages.matches(i, filter, message) ? message : undefined;
    },
  });
};

export const getMessage: Handler = (req, { world }) => {
  const index = world.messages.find(req.params.id ?? '');
  const message = index === undefined ? undefined : world.messages.get(index);
  if (!message) throw new SimHttpError(404, 'The message does not exist');
  return { body: { message } };
};

export const listActivities: Handler = (req, ctx) => {
  const { activities } = ctx.world;
  const limit = readLimit(req.query, 10, 100);
  const type = req.query.get('type') || undefined;
  const { lo, hiExclusive } = activities.range();
  return feedPage(req, ctx, {
    resource: 'activities',
    recordsKey: 'activities',
    lo,
    hiExclusive,
    limit,
    take: (i) => (type !== undefined && activities.typeOf(i) !== type ? undefined : activities.get(i)),
  });
};
