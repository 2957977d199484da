/**
 * The metrics endpoints of campaigns, broadcasts, newsletters and transactional messages
 * (docs/customerio-beyond.md E.1 to E.4). Version 2 (campaigns only): `res`, `start` and `end`
 * required, `end` at most 10 years after `start`, element i is `start + i` days in UTC; days only
 * (other resolutions and zones are beyond this simulator: 400). Version 1: `period=days`, `steps`
 * up to 45 (0 or absent: 45; fewer than 2: 2), oldest first, the last element today in Eastern time.
 */
import type { World } from '../world/data.js';
import { easternDays, hasVariants, type MetricsParent, VARIANTS, variantId } from '../world/metrics.js';
import type { JsonObject } from '../world/types.js';
import { SimHttpError } from './http-error.js';
import type { Handler, Route, SimRequest } from './route-types.js';

const RESOLUTIONS = ['hours', 'hourly', 'days', 'daily', 'weeks', 'weekly', 'months', 'monthly'];
const TEN_YEARS = 10 * 366 * 86_400;
const MAX_DAY_STEPS = 45;

/** The parent's record, or the live 404. */
function parentOf(world: World, kind: MetricsParent, req: SimRequest): JsonObject {
  const raw = req.params.id ?? '';
  const id = /^\d{1,12}$/.test(raw) ? Number(raw) : Number.NaN;
  const record = world.list(kind).find((r) => r.id === id);
  if (record === undefined) throw new SimHttpError(404, 'not found');
  return record;
}

/** Go's time.Time.String() layout, which the v2 answer echoes (E.3). */
function goTime(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

function unixParam(req: SimRequest, name: string): number {
  const raw = req.query.get(name);
  if (raw === null || !/^\d{1,12}$/.test(raw)) {
    throw new SimHttpError(400, `${name} is required and must be a unix timestamp`);
  }
  return Number(raw);
}

/** What one answer counts: the events under `key`, and the action whose variants it lists, if any. */
interface Counted {
  key: string;
  variantsOf?: number;
}

type SeriesOf = (variant?: number) => JsonObject;

/** `language_variants` of a multi-language action (E.3: the series directly in each value). */
function withVariants(body: JsonObject, counted: Counted, seriesOf: SeriesOf): JsonObject {
  const action = counted.variantsOf;
  if (action === undefined || !hasVariants(action)) return body;
  const variants: JsonObject = {};
  VARIANTS.forEach((v, place) => {
    variants[String(variantId(action, place))] = { ...v, series: seriesOf(place) };
  });
  return { ...body, language_variants: variants };
}

function version2(world: World, counted: Counted, req: SimRequest): JsonObject {
  const res = req.query.get('res');
  if (res === null || !RESOLUTIONS.includes(res))
    throw new SimHttpError(400, 'res is required with version=2');
  const start = unixParam(req, 'start');
  const end = unixParam(req, 'end');
  if (start > end) throw new SimHttpError(400, 'start is after end');
  if (end - start > TEN_YEARS) throw new SimHttpError(400, 'end is limited to 10 years from start');
  if (res !== 'days' && res !== 'daily') throw new SimHttpError(400, `the simulator serves res=days only`);
  const tz = req.query.get('tz');
  if (tz !== null && tz !== 'UTC') throw new SimHttpError(400, 'the simulator serves tz=UTC only');
  const first = Math.floor(start / 86_400) * 86_400;
  const days = Math.floor((end - first) / 86_400) + 1;
  const seriesOf: SeriesOf = (variant) =>
    world.metrics.utcSeries(counted.key, first, days, world.now, variant);
  const body = { start: goTime(first), end: goTime(end), res, metric: { series: seriesOf() } };
  return withVariants(body, counted, seriesOf);
}

function version1(world: World, counted: Counted, req: SimRequest): JsonObject {
  const days = easternDays(world.now, v1Steps(req));
  const seriesOf: SeriesOf = (variant) => world.metrics.easternSeries(counted.key, days, world.now, variant);
  return withVariants({ metric: { series: seriesOf() } }, counted, seriesOf);
}

/** The days a version-1 request asks for: `period=days` only; `steps` 0 or absent 45, at least 2, at most 45. */
function v1Steps(req: SimRequest): number {
  const period = req.query.get('period') ?? 'days';
  if (period !== 'days') {
    if (['hours', 'weeks', 'months'].includes(period)) {
      throw new SimHttpError(400, 'the simulator serves period=days only');
    }
    throw new SimHttpError(400, 'period must be one of hours, days, weeks, months');
  }
  const raw = req.query.get('steps');
  const asked = raw === null || raw === '' ? 0 : Number(raw);
  if (!Number.isInteger(asked) || asked < 0) throw new SimHttpError(400, 'steps must be a whole number');
  return asked === 0 ? MAX_DAY_STEPS : Math.min(MAX_DAY_STEPS, Math.max(2, asked));
}

/** The child lists whose items have metrics of their own, and the path parameter naming one. */
type ChildKind = 'campaign_actions' | 'broadcast_actions' | 'newsletter_contents';

/** The child's id, or the live 404 when the parent does not list it. */
function childOf(world: World, kind: ChildKind, parentId: number, req: SimRequest): number {
  const raw = req.params.child ?? '';
  const found = world.children.of(kind, parentId)?.find((c) => String(c.id) === raw);
  if (found === undefined) throw new SimHttpError(404, 'not found');
  return Number(raw);
}

function metrics(kind: MetricsParent, acceptsVersion2: boolean, child?: ChildKind): Handler {
  return (req, { world }) => {
    const parent = parentOf(world, kind, req);
    const id = parent.id as number;
    const childId = child === undefined ? undefined : childOf(world, child, id, req);
    const counted: Counted =
      child === undefined || childId === undefined
        ? { key: `${kind}:${id}` }
        : {
            key: `${child}:${id}:${childId}`,
            ...(child === 'newsletter_contents' ? {} : { variantsOf: childId }),
          };
    const v2 = acceptsVersion2 && req.query.get('version') === '2';
    const body = v2 ? version2(world, counted, req) : version1(world, counted, req);
    // Newsletter and content metrics name the channel (E.3).
    if (kind === 'newsletters') (body.metric as JsonObject).type = (parent.type as string) ?? 'email';
    return { body };
  };
}

/** Link metrics (E.3): version 1 days, `unique` counting each person's click once. */
function links(kind: MetricsParent): Handler {
  return (req, { world }) => {
    const parent = parentOf(world, kind, req);
    const days = easternDays(world.now, v1Steps(req));
    const unique = req.query.get('unique') === 'true';
    return { body: { links: world.metrics.linkSeries(kind, parent.id as number, days, world.now, unique) } };
  };
}

/** Journey metrics (E.2, E.3): `start`, `end` and `resolution` all required, else 400. */
const journeys: Handler = (req, { world }) => {
  const parent = parentOf(world, 'campaigns', req);
  const resolution = req.query.get('resolution');
  if (req.query.get('start') === null || req.query.get('end') === null || resolution === null) {
    throw new SimHttpError(400, 'You must provide the start, end, and resolution parameters');
  }
  if (!RESOLUTIONS.includes(resolution))
    throw new SimHttpError(400, 'resolution is not one of the allowed values');
  const start = unixParam(req, 'start');
  const end = unixParam(req, 'end');
  if (start > end) throw new SimHttpError(400, 'the start time occurred after the end time');
  if (resolution !== 'days' && resolution !== 'daily') {
    throw new SimHttpError(400, 'the simulator serves resolution=days only');
  }
  const first = Math.floor(start / 86_400) * 86_400;
  const days = Math.floor((end - first) / 86_400) + 1;
  return {
    body: { journey_metric: world.metrics.journeySeries(parent.id as number, first, days, world.now) },
  };
};

const route = (pattern: string, handler: Handler): Route => ({
  method: 'GET',
  pattern,
  paging: 'none',
  handler,
});

export const METRICS_ROUTES: readonly Route[] = [
  route('/v1/campaigns/:id/metrics', metrics('campaigns', true)),
  route('/v1/broadcasts/:id/metrics', metrics('broadcasts', false)),
  route('/v1/newsletters/:id/metrics', metrics('newsletters', false)),
  route('/v1/transactional/:id/metrics', metrics('transactional', false)),
  route('/v1/campaigns/:id/actions/:child/metrics', metrics('campaigns', true, 'campaign_actions')),
  route('/v1/broadcasts/:id/actions/:child/metrics', metrics('broadcasts', false, 'broadcast_actions')),
  route('/v1/newsletters/:id/contents/:child/metrics', metrics('newsletters', false, 'newsletter_contents')),
  route('/v1/campaigns/:id/metrics/links', links('campaigns')),
  route('/v1/campaigns/:id/journey_metrics', journeys),
  route('/v1/broadcasts/:id/metrics/links', links('broadcasts')),
  route('/v1/newsletters/:id/metrics/links', links('newsletters')),
  route('/v1/transactional/:id/metrics/links', links('transactional')),
];
