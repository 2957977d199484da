/** Handlers for the index-generated, newest-first feeds: messages (deliveries) and activities. */

import { fragment, JsonBytes } from '../world/json-bytes.js';
import { MESSAGE_TYPES, type MessageFilter } from '../world/messages.js';
import { SimHttpError } from './http-error.js';
import { readBool, readInt, readLimit } from './paging.js';
import type { Handler, HandlerContext, PageBytes, PageResult, SimRequest } from './route-types.js';

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
  /** Everything besides the range and limit that decides which records are served, and how. */
  filterKey: string;
  /** Appends the record's JSON; false (nothing written) when it is not served (deleted, filtered out). */
  write: (index: number, out: JsonBytes) => boolean;
}

/** The writer of the page being built (pages are built synchronously, one at a time). */
const writer = new JsonBytes();
const NEXT = fragment('],"next":');

/**
 * Newest first: walks raw indexes downwards; the cursor is the index the next page starts at.
 * Records are written straight into the page's bytes (what `collect` does with objects), and the
 * page is kept in the world's page cache for the current world version, so a retried request is
 * answered without generating it again.
 */
function feedPage(req: SimRequest, ctx: HandlerContext, p: FeedPage): PageResult {
  const start = ctx.codec.readStart(p.resource, req.query);
  const first = Math.min(start?.pos ?? Number.POSITIVE_INFINITY, p.hiExclusive - 1);
  const cursor = {
    recordsKey: p.recordsKey,
    start: req.query.get('start') || undefined,
    restart: ctx.codec.encode(p.resource, Math.max(0, first), (start?.variant ?? 0) + 1),
  };
  const { world } = ctx;
  // The version alone decides staleness; the clock and epoch count are there as a second guard.
  const { timeline } = world.ctx;
  const key = `${p.resource} ${first} ${p.lo} ${p.hiExclusive} ${p.limit} ${p.filterKey} ${timeline.now} ${timeline.epochs.length}`;
  const cached = world.pages.get(world.version, key);
  if (cached) return { page: cached, cursor };

  const out = writer;
  // About the page's size (a message is 550-700 bytes); the writer grows it when needed.
  out.reset(world.pages.buffer(Math.min(1 << 20, 1024 + p.limit * 700)));
  out.utf8(`{${JSON.stringify(p.recordsKey)}:[`);
  let count = 0;
  let nextIndex: number | undefined;
  for (let i = first; i > p.lo - 1; i--) {
    const mark = out.pos;
    if (count > 0) out.char(0x2c);
    if (!p.write(i, out)) {
      out.pos = mark;
      continue;
    }
    if (count === p.limit) {
      // One acceptable record past the page: it is where the next page starts.
      out.pos = mark;
      nextIndex = i;
      break;
    }
    count++;
  }
  let recordsEnd = out.pos;
  const next = nextIndex === undefined ? '' : ctx.codec.encode(p.resource, nextIndex);
  if (count === 0 && world.ctx.shapes === 'live') {
    // Live, a page with nothing to list carries `null` instead of `[]`.
    out.pos = 0;
    out.utf8(`{${JSON.stringify(p.recordsKey)}:null,"next":`);
    recordsEnd = -1;
  } else {
    out.raw(NEXT);
  }
  out.string(next);
  out.char(0x7d);
  const { bytes, backing } = out.detach();
  const page: PageBytes = { recordsKey: p.recordsKey, bytes, recordsEnd, next };
  world.pages.set(world.version, key, page, backing);
  return { page, cursor };
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
  const filtered = Object.values(filter).some((v) => v !== undefined);
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
    filterKey: `${JSON.stringify(filter)} ${tracked}`,
    write: (i, out) => {
      if (filter.type !== undefined && messages.typeOf(i) !== filter.type) return false;
      return messages.write(i, out, tracked, filtered ? filter : undefined);
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
    filterKey: JSON.stringify(type ?? null),
    write: (i, out) => {
      if (type !== undefined && activities.typeOf(i) !== type) return false;
      const activity = activities.get(i);
      if (!activity) return false;
      out.utf8(JSON.stringify(activity));
      return true;
    },
  });
};
