import type { JsonSchema } from '../types.js';
import { dateTime, integer, key, string, tableSchema } from './fields.js';

/**
 * The 26 series names the vendor documents for every message metrics endpoint
 * (docs/customerio-beyond.md E.3). A name the API adds later becomes a column of its own.
 */
export const METRIC_NAMES = [
  'attempted',
  'bounced',
  'clicked',
  'converted',
  'created',
  'deferred',
  'delivered',
  'drafted',
  'failed',
  'human_clicked',
  'human_opened',
  'link_untracked',
  'machine_clicked',
  'open_untracked',
  'opened',
  'prefetch_opened',
  'replied',
  'sent',
  'spammed',
  'suppressed',
  'topic_unsubscribed',
  'tracking_consent_denied',
  'tracking_consent_granted',
  'undeliverable',
  'unsubscribed',
  'untracked',
] as const;

const counts = Object.fromEntries(METRIC_NAMES.map((name) => [name, integer()]));

/** One row per parent and day: the parent's key columns, the day, when it was read, one count per metric. */
function metricsSchema(keys: string[], extra: Record<string, JsonSchema> = {}): JsonSchema {
  return tableSchema(
    {
      ...Object.fromEntries(keys.map((k) => [k, key.integer()])),
      ...extra,
      period_start: key.dateTime(
        'The start of the day the counts cover (UTC days for version 2, Eastern for version 1).',
      ),
      fetched_at: dateTime('When the window holding this day was read.'),
      ...counts,
    },
    [...keys, 'period_start'],
  );
}

export const campaignMetricsSchema = metricsSchema(['campaign_id']);
export const broadcastMetricsSchema = metricsSchema(['broadcast_id']);
export const newsletterMetricsSchema = metricsSchema(['newsletter_id']);
export const transactionalMetricsSchema = metricsSchema(['transactional_id']);

const variantKeys = ['action_id', 'variant_action_id'];
const language = {
  language: string('The language variant (empty for the default variant); null for the action itself.'),
};
export const campaignActionMetricsSchema = metricsSchema(['campaign_id', ...variantKeys], language);
export const broadcastActionMetricsSchema = metricsSchema(['broadcast_id', ...variantKeys], language);
export const newsletterContentMetricsSchema = metricsSchema(['newsletter_id', 'content_id']);

/** The click series of link metrics (E.3), each also counted once per person (`unique=true`). */
export const LINK_SERIES_NAMES = ['clicked', 'human_clicked', 'machine_clicked'] as const;

function linkMetricsSchema(parentKey: string): JsonSchema {
  const counts = LINK_SERIES_NAMES.flatMap((name) => [
    [name, integer()],
    [`unique_${name}`, integer()],
  ]);
  return tableSchema(
    {
      [parentKey]: key.integer(),
      link_id: key.integer(),
      period_start: key.dateTime('The start of the Eastern day the counts cover.'),
      href: string(),
      fetched_at: dateTime('When the window holding this day was read.'),
      ...Object.fromEntries(counts),
    },
    [parentKey, 'link_id', 'period_start'],
  );
}

/** A campaign's journey cohorts (E.3): journeys started per day, and how many reached each stage. */
export const JOURNEY_SERIES_NAMES = [
  'started',
  'activated',
  'never_activated',
  'messaged',
  'exited_early',
  'converted',
  'finished',
] as const;

export const campaignJourneyMetricsSchema: JsonSchema = tableSchema(
  {
    campaign_id: key.integer(),
    period_start: key.dateTime('The UTC day the cohort of journeys started.'),
    fetched_at: dateTime('When the window holding this day was read.'),
    ...Object.fromEntries(JOURNEY_SERIES_NAMES.map((name) => [name, integer()])),
  },
  ['campaign_id', 'period_start'],
);

export const campaignLinkMetricsSchema = linkMetricsSchema('campaign_id');
export const broadcastLinkMetricsSchema = linkMetricsSchema('broadcast_id');
export const newsletterLinkMetricsSchema = linkMetricsSchema('newsletter_id');
export const transactionalLinkMetricsSchema = linkMetricsSchema('transactional_id');
