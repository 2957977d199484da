/**
 * What each metrics table holds after syncs at the world's start and now (docs/streams.md,
 * "Metrics tables"): version 2 (campaigns) every UTC day from the parent's created day to today;
 * version 1 every Eastern day from the parent's created day, or the oldest day an answer at the
 * world's start held (45 days), whichever is later, to today.
 */
import { DAY } from './context.js';
import {
  easternDays,
  easternMidnight,
  type MetricsIndex,
  type MetricsParent,
  utcMidnight,
} from './metrics.js';
import type { JsonObject } from './types.js';

/** Days a version-1 answer holds (`steps=45`). */
export const V1_DAYS = 45;

export type MetricsTruth = Record<
  'campaign_metrics' | 'broadcast_metrics' | 'newsletter_metrics' | 'transactional_metrics',
  JsonObject[]
>;

interface Sources {
  metrics: MetricsIndex;
  now: number;
  start: number;
  parents(kind: MetricsParent): JsonObject[];
}

function createdOf(parent: JsonObject): number {
  const at = parent.created ?? parent.created_at;
  return typeof at === 'number' ? at : 0;
}

function rowsOf(keyColumn: string, id: number, days: readonly number[], series: JsonObject): JsonObject[] {
  return days.map((day, i) => {
    const row: JsonObject = { [keyColumn]: id, period_start: day };
    for (const [name, values] of Object.entries(series)) row[name] = (values as number[])[i] ?? 0;
    return row;
  });
}

function v2Rows(s: Sources): JsonObject[] {
  return s.parents('campaigns').flatMap((c) => {
    const id = c.id as number;
    const first = utcMidnight(createdOf(c));
    const count = (utcMidnight(s.now) - first) / DAY + 1;
    const days = Array.from({ length: count }, (_, i) => first + i * DAY);
    return rowsOf('campaign_id', id, days, s.metrics.utcSeries('campaigns', id, first, count, s.now));
  });
}

function v1Rows(s: Sources, kind: MetricsParent, keyColumn: string): JsonObject[] {
  const oldestRead = easternDays(s.start, V1_DAYS)[0] as number;
  return s.parents(kind).flatMap((p) => {
    const id = p.id as number;
    const first = Math.max(oldestRead, easternMidnight(createdOf(p)));
    const all = easternDays(s.now, V1_DAYS + Math.ceil((s.now - s.start) / DAY) + 2);
    const days = all.filter((day) => day >= first);
    return rowsOf(keyColumn, id, days, s.metrics.easternSeries(kind, id, days, s.now));
  });
}

export function metricsTruth(s: Sources): MetricsTruth {
  return {
    campaign_metrics: v2Rows(s),
    broadcast_metrics: v1Rows(s, 'broadcasts', 'broadcast_id'),
    newsletter_metrics: v1Rows(s, 'newsletters', 'newsletter_id'),
    transactional_metrics: v1Rows(s, 'transactional', 'transactional_id'),
  };
}
