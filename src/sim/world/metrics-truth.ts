/**
 * What each metrics table holds after syncs at the world's start and now (docs/streams.md,
 * "Metrics tables"): version 2 (campaigns and their actions) every UTC day from the created day to
 * today; version 1 every Eastern day from the created day, or the oldest day an answer at the
 * world's start held (45 days), whichever is later, to today. An action or content counts from its
 * own created day (its parent's when it has none).
 */
import { DAY } from './context.js';
import {
  easternDays,
  easternMidnight,
  hasVariants,
  LINK_SERIES,
  type MetricsIndex,
  type MetricsParent,
  utcMidnight,
  VARIANTS,
  variantId,
} from './metrics.js';
import type { JsonObject } from './types.js';

/** Days a version-1 answer holds (`steps=45`). */
export const V1_DAYS = 45;

type ChildKind = 'campaign_actions' | 'broadcast_actions' | 'newsletter_contents';

export type MetricsTruth = Record<
  | 'campaign_metrics'
  | 'broadcast_metrics'
  | 'newsletter_metrics'
  | 'transactional_metrics'
  | 'campaign_action_metrics'
  | 'broadcast_action_metrics'
  | 'newsletter_content_metrics'
  | 'campaign_journey_metrics'
  | 'campaign_link_metrics'
  | 'broadcast_link_metrics'
  | 'newsletter_link_metrics'
  | 'transactional_link_metrics',
  JsonObject[]
>;

interface Sources {
  metrics: MetricsIndex;
  now: number;
  start: number;
  parents(kind: MetricsParent): JsonObject[];
  children(kind: ChildKind, parentId: number): JsonObject[];
}

function createdOf(record: JsonObject): number | undefined {
  const at = record.created ?? record.created_at;
  return typeof at === 'number' ? at : undefined;
}

/** One counted thing: the key columns of its rows, its events' key, when it was created. */
interface Counted {
  keys: JsonObject;
  key: string;
  created: number;
  /** An action whose language variants get rows of their own. */
  variantsOf?: number;
}

type Version = 1 | 2;

function daysOf(s: Sources, version: Version, created: number): number[] {
  if (version === 2) {
    const first = utcMidnight(created);
    return Array.from({ length: (utcMidnight(s.now) - first) / DAY + 1 }, (_, i) => first + i * DAY);
  }
  const first = Math.max(easternDays(s.start, V1_DAYS)[0] as number, easternMidnight(created));
  const all = easternDays(s.now, V1_DAYS + Math.ceil((s.now - s.start) / DAY) + 2);
  return all.filter((day) => day >= first);
}

function seriesOf(s: Sources, version: Version, key: string, days: number[], variant?: number): JsonObject {
  return version === 2
    ? s.metrics.utcSeries(key, days[0] ?? 0, days.length, s.now, variant)
    : s.metrics.easternSeries(key, days, s.now, variant);
}

function rowsOf(keys: JsonObject, days: readonly number[], series: JsonObject): JsonObject[] {
  return days.map((day, i) => {
    const row: JsonObject = { ...keys, period_start: day };
    for (const [name, values] of Object.entries(series)) row[name] = (values as number[])[i] ?? 0;
    return row;
  });
}

function rowsOfCounted(s: Sources, version: Version, c: Counted): JsonObject[] {
  const days = daysOf(s, version, c.created);
  if (days.length === 0) return [];
  const action = c.variantsOf;
  if (action === undefined) return rowsOf(c.keys, days, seriesOf(s, version, c.key, days));
  const own = { ...c.keys, variant_action_id: action, language: null };
  const rows = rowsOf(own, days, seriesOf(s, version, c.key, days));
  if (!hasVariants(action)) return rows;
  VARIANTS.forEach((v, place) => {
    const keys = { ...c.keys, variant_action_id: variantId(action, place), language: v.language };
    rows.push(...rowsOf(keys, days, seriesOf(s, version, c.key, days, place)));
  });
  return rows;
}

function parents(s: Sources, kind: MetricsParent, keyColumn: string): Counted[] {
  return s.parents(kind).map((p) => ({
    keys: { [keyColumn]: p.id as number },
    key: `${kind}:${p.id as number}`,
    created: createdOf(p) ?? s.start,
  }));
}

function children(
  s: Sources,
  kind: MetricsParent,
  keyColumn: string,
  child: ChildKind,
  childColumn: string,
): Counted[] {
  return s.parents(kind).flatMap((p) => {
    const parentId = p.id as number;
    return s.children(child, parentId).map((c) => {
      const id = Number(c.id);
      return {
        keys: { [keyColumn]: parentId, [childColumn]: id },
        key: `${child}:${parentId}:${id}`,
        created: createdOf(c) ?? createdOf(p) ?? s.start,
        ...(child === 'newsletter_contents' ? {} : { variantsOf: id }),
      };
    });
  });
}

/** A parent's link rows: one per link and version-1 day, both counts (`unique=false` and `true`). */
function linkRows(s: Sources, kind: MetricsParent, keyColumn: string): JsonObject[] {
  return s.parents(kind).flatMap((p) => {
    const id = p.id as number;
    const days = daysOf(s, 1, createdOf(p) ?? s.start);
    const all = s.metrics.linkSeries(kind, id, days, s.now, false);
    const unique = s.metrics.linkSeries(kind, id, days, s.now, true);
    return all.flatMap(({ link, metric }, l) =>
      days.map((day, i) => {
        const row: JsonObject = { [keyColumn]: id, link_id: link.id, period_start: day, href: link.href };
        const series = metric.series as Record<string, number[]>;
        const uniqueSeries = (unique[l]?.metric.series ?? {}) as Record<string, number[]>;
        for (const name of LINK_SERIES) {
          row[name] = series[name]?.[i] ?? 0;
          row[`unique_${name}`] = uniqueSeries[name]?.[i] ?? 0;
        }
        return row;
      }),
    );
  });
}

export function metricsTruth(s: Sources): MetricsTruth {
  const all = (version: Version, counted: Counted[]) => counted.flatMap((c) => rowsOfCounted(s, version, c));
  return {
    campaign_metrics: all(2, parents(s, 'campaigns', 'campaign_id')),
    broadcast_metrics: all(1, parents(s, 'broadcasts', 'broadcast_id')),
    newsletter_metrics: all(1, parents(s, 'newsletters', 'newsletter_id')),
    transactional_metrics: all(1, parents(s, 'transactional', 'transactional_id')),
    campaign_action_metrics: all(2, children(s, 'campaigns', 'campaign_id', 'campaign_actions', 'action_id')),
    broadcast_action_metrics: all(
      1,
      children(s, 'broadcasts', 'broadcast_id', 'broadcast_actions', 'action_id'),
    ),
    newsletter_content_metrics: all(
      1,
      children(s, 'newsletters', 'newsletter_id', 'newsletter_contents', 'content_id'),
    ),
    campaign_journey_metrics: s.parents('campaigns').flatMap((c) => {
      const id = c.id as number;
      const days = daysOf(s, 2, createdOf(c) ?? s.start);
      return rowsOf({ campaign_id: id }, days, s.metrics.journeySeries(id, days[0] ?? 0, days.length, s.now));
    }),
    campaign_link_metrics: linkRows(s, 'campaigns', 'campaign_id'),
    broadcast_link_metrics: linkRows(s, 'broadcasts', 'broadcast_id'),
    newsletter_link_metrics: linkRows(s, 'newsletters', 'newsletter_id'),
    transactional_link_metrics: linkRows(s, 'transactional', 'transactional_id'),
  };
}
