import { CioError } from '../core/errors.js';
import { campaignActionToRow, segmentDependenciesOf, segmentMemberToRow } from './child-rows.js';
import { objectsOfType, relationshipsOfType } from './readers/objects.js';
import { ipAddressToRow, reportingWebhookToRow } from './row-mappers.js';
import { activitiesSchema } from './schemas/activities.js';
import { broadcastsSchema } from './schemas/broadcasts.js';
import { campaignsSchema } from './schemas/campaigns.js';
import {
  broadcastActionsSchema,
  broadcastTriggersSchema,
  campaignActionsSchema,
} from './schemas/child-actions.js';
import { newsletterContentsSchema, newsletterTestGroupsSchema } from './schemas/child-newsletters.js';
import { segmentDependenciesSchema, segmentMembersSchema } from './schemas/child-segments.js';
import { collectionsSchema } from './schemas/collections.js';
import { customersSchema } from './schemas/customers.js';
import { epsSuppressionSchema } from './schemas/eps-suppression.js';
import { exportsSchema } from './schemas/exports.js';
import { ipAddressesSchema } from './schemas/ip-addresses.js';
import { messagesSchema } from './schemas/messages.js';
import {
  broadcastActionMetricsSchema,
  broadcastLinkMetricsSchema,
  broadcastMetricsSchema,
  campaignActionMetricsSchema,
  campaignJourneyMetricsSchema,
  campaignLinkMetricsSchema,
  campaignMetricsSchema,
  newsletterContentMetricsSchema,
  newsletterLinkMetricsSchema,
  newsletterMetricsSchema,
  transactionalLinkMetricsSchema,
  transactionalMetricsSchema,
} from './schemas/metrics.js';
import { newslettersSchema } from './schemas/newsletters.js';
import { typesSchema } from './schemas/object-types.js';
import { objectRelationshipsSchema, objectsSchema } from './schemas/objects.js';
import { reportingWebhooksSchema } from './schemas/reporting-webhooks.js';
import { segmentsSchema } from './schemas/segments.js';
import { senderIdentitiesSchema } from './schemas/sender-identities.js';
import { snippetsSchema } from './schemas/snippets.js';
import { topicsSchema } from './schemas/topics.js';
import { transactionalMessagesSchema } from './schemas/transactional-messages.js';
import { workspacesSchema } from './schemas/workspaces.js';
import type { JsonSchema, PartialRead, StreamDefinition, TableEntry } from './types.js';

/** A link metrics table (docs/streams.md, "Metrics tables"): version 1, per parent and link. */
function linkMetrics(table: string, keyColumn: string, base: string, schema: JsonSchema): TableEntry {
  return {
    request: { method: 'GET', path: `${base}/{${keyColumn}}/metrics/links` },
    parent: { table, keyColumn },
    primaryKey: [keyColumn, 'link_id', 'period_start'],
    schema,
    reader: 'metrics',
    metrics: { version: 1, links: true },
    optIn: true,
  };
}

/** Matches every person: all profiles have a cio_id. */
export const EVERYONE_FILTER = { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] } as const;

/** Placeholder in the suppressions path, replaced by each of the four types. */
export const SUPPRESSION_TYPE_PLACEHOLDER = '{suppression_type}';

/**
 * THE TABLE: one entry per table of docs/streams.md, keyed by the table's name, in the order
 * catalogs and runs list them. An entry leaves out what the defaults give: the records under the
 * key named like the table, no paging, primary key `id`, the list reader. Page sizes are the
 * largest each endpoint documents; where the vendor documents no maximum (newsletters, sender
 * identities) we use 100, which every client seen uses without trouble, since exceeding an unknown
 * maximum may be answered with a 400 rather than clamped.
 */
const TABLES = {
  broadcasts: {
    request: { method: 'GET', path: '/v1/broadcasts' },
    replicationKey: 'updated',
    schema: broadcastsSchema,
  },
  transactional_messages: {
    request: { method: 'GET', path: '/v1/transactional' },
    recordsKey: 'messages',
    replicationKey: 'updated_at',
    schema: transactionalMessagesSchema,
  },
  customers: {
    request: { method: 'POST', path: '/v1/customers', body: { filter: EVERYONE_FILTER } },
    recordsKey: 'identifiers',
    paging: { kind: 'cursor', pageSize: 1000 },
    primaryKey: ['cio_id'],
    schema: customersSchema,
    reader: 'customers',
    // 30 days of activities are kept; a day's margin so the oldest events are not at the edge.
    partialRead: {
      kind: 'changes',
      enabledBy: 'customers_refresh',
      // The activities that change a person (docs/customerio-beyond.md I.3); the API filters by one
      // type per request. No time filter: each is read newest first down to the last read.
      feed: {
        path: '/v1/activities',
        recordsKey: 'activities',
        pageSize: 100,
        types: [
          'profile_create',
          'attribute_change',
          'profile_delete',
          'profile_merge',
          'anon_merge',
          'device_change',
        ],
      },
      retentionDays: 29,
      overlapSeconds: 300,
    },
  },
  campaigns: {
    request: { method: 'GET', path: '/v1/campaigns' },
    replicationKey: 'updated',
    schema: campaignsSchema,
  },
  newsletters: {
    request: { method: 'GET', path: '/v1/newsletters' },
    paging: { kind: 'cursor', pageSize: 100 },
    replicationKey: 'updated',
    // Between complete reads, the newest first down to the newest `created` loaded minus the rescan
    // days: an edit to an older newsletter waits for the next complete read.
    partialRead: {
      kind: 'head',
      overlapSeconds: 0,
      lookbackDaysSetting: 'messages_rescan_days',
      askNewestFirst: { query: { sort: 'desc' }, field: 'created' },
    },
    schema: newslettersSchema,
  },
  segments: {
    request: { method: 'GET', path: '/v1/segments' },
    replicationKey: 'updated_at',
    schema: segmentsSchema,
  },
  messages: {
    request: { method: 'GET', path: '/v1/messages' },
    paging: { kind: 'cursor', pageSize: 1000 },
    timeField: 'created',
    agesOut: true,
    keptDays: 180,
    // Its order is not documented: treated like activities (newest first); if it is oldest first,
    // a resumed read's catch-up ends after one page.
    growsAtHead: true,
    serverTimeFilter: 'start_ts',
    partialRead: { kind: 'rescan', lookbackDaysSetting: 'messages_rescan_days' },
    schema: messagesSchema,
  },
  exports: {
    request: { method: 'GET', path: '/v1/exports' },
    replicationKey: 'updated_at',
    schema: exportsSchema,
  },
  activities: {
    request: { method: 'GET', path: '/v1/activities' },
    paging: { kind: 'cursor', pageSize: 100 },
    timeField: 'timestamp',
    agesOut: true,
    keptDays: 30,
    growsAtHead: true,
    // Immutable; the overlap covers activities that reach the feed a little after their timestamp.
    partialRead: { kind: 'head', overlapSeconds: 3600 },
    schema: activitiesSchema,
  },
  sender_identities: {
    request: { method: 'GET', path: '/v1/sender_identities' },
    paging: { kind: 'cursor', pageSize: 100 },
    schema: senderIdentitiesSchema,
    // Without `hidden`, hidden senders are left out. The vendor says `hidden=true` includes them;
    // live workspaces answer only the hidden ones there. Both lists together hold every sender.
    reader: 'passes',
    passes: [
      { query: {}, defaults: { hidden: false } },
      { query: { hidden: 'true' }, defaults: { hidden: true } },
    ],
  },
  reporting_webhooks: {
    request: { method: 'GET', path: '/v1/reporting_webhooks' },
    schema: reportingWebhooksSchema,
    toRow: reportingWebhookToRow,
  },
  snippets: {
    request: { method: 'GET', path: '/v1/snippets' },
    primaryKey: ['name'],
    replicationKey: 'updated_at',
    schema: snippetsSchema,
  },
  ip_addresses: {
    request: { method: 'GET', path: '/v1/info/ip_addresses' },
    schema: ipAddressesSchema,
    toRow: ipAddressToRow,
  },
  collections: {
    request: { method: 'GET', path: '/v1/collections' },
    replicationKey: 'updated_at',
    schema: collectionsSchema,
  },
  topics: {
    request: { method: 'GET', path: '/v1/subscription_topics' },
    schema: topicsSchema,
  },
  workspaces: {
    request: { method: 'GET', path: '/v1/workspaces' },
    schema: workspacesSchema,
  },
  types: {
    request: { method: 'GET', path: '/v1/object_types' },
    schema: typesSchema,
  },
  eps_suppression: {
    request: { method: 'GET', path: `/v1/esp/suppression/${SUPPRESSION_TYPE_PLACEHOLDER}` },
    recordsKey: 'suppressions',
    paging: { kind: 'offset', pageSize: 1000, defaultPageSize: 100 },
    timeField: 'created',
    schema: epsSuppressionSchema,
    reader: 'suppressions',
  },
  // Structure tables (docs/streams.md, "Tables beyond the specification"): one read per parent row
  // the run read, every sync (a parent's `updated` does not move when its children change).
  campaign_actions: {
    request: { method: 'GET', path: '/v1/campaigns/{campaign_id}/actions' },
    parent: { table: 'campaigns', keyColumn: 'campaign_id' },
    recordsKey: 'actions',
    // 10 per page and no `limit` parameter; the first request carries no `start` either.
    paging: { kind: 'cursor', pageSize: 10, sendsLimit: false },
    primaryKey: ['campaign_id', 'id'],
    schema: campaignActionsSchema,
    toRow: campaignActionToRow,
    reader: 'parent-child',
  },
  broadcast_actions: {
    // No parameters at all: live answers a `start` with 400.
    request: { method: 'GET', path: '/v1/broadcasts/{broadcast_id}/actions' },
    parent: { table: 'broadcasts', keyColumn: 'broadcast_id' },
    recordsKey: 'actions',
    primaryKey: ['broadcast_id', 'id'],
    schema: broadcastActionsSchema,
    reader: 'parent-child',
  },
  broadcast_triggers: {
    request: { method: 'GET', path: '/v1/broadcasts/{broadcast_id}/triggers' },
    parent: { table: 'broadcasts', keyColumn: 'broadcast_id' },
    recordsKey: 'triggers',
    primaryKey: ['broadcast_id', 'id'],
    schema: broadcastTriggersSchema,
    reader: 'parent-child',
  },
  newsletter_contents: {
    request: { method: 'GET', path: '/v1/newsletters/{newsletter_id}/contents' },
    parent: { table: 'newsletters', keyColumn: 'newsletter_id' },
    recordsKey: 'contents',
    primaryKey: ['newsletter_id', 'id'],
    schema: newsletterContentsSchema,
    reader: 'parent-child',
  },
  newsletter_test_groups: {
    request: { method: 'GET', path: '/v1/newsletters/{newsletter_id}/test_groups' },
    parent: { table: 'newsletters', keyColumn: 'newsletter_id' },
    recordsKey: 'test_groups',
    primaryKey: ['newsletter_id', 'id'],
    schema: newsletterTestGroupsSchema,
    reader: 'parent-child',
  },
  segment_members: {
    request: { method: 'GET', path: '/v1/segments/{segment_id}/membership' },
    parent: { table: 'segments', keyColumn: 'segment_id' },
    recordsKey: 'identifiers',
    paging: { kind: 'cursor', pageSize: 30000 },
    primaryKey: ['segment_id', 'cio_id'],
    schema: segmentMembersSchema,
    toRow: segmentMemberToRow,
    reader: 'parent-child',
  },
  segment_dependencies: {
    request: { method: 'GET', path: '/v1/segments/{segment_id}/used_by' },
    parent: { table: 'segments', keyColumn: 'segment_id', recordsOf: segmentDependenciesOf },
    recordsKey: 'used_by',
    primaryKey: ['segment_id', 'dependent_type', 'dependent_id'],
    schema: segmentDependenciesSchema,
    reader: 'parent-child',
  },
  // Opt-in: one request per object (no endpoint returns many objects' attributes at once).
  objects: {
    request: { method: 'GET', path: '/v1/objects/{object_type_id}/{object_id}/attributes' },
    parent: { table: 'types', keyColumn: 'object_type_id', readChildren: objectsOfType },
    recordsKey: 'object',
    primaryKey: ['object_type_id', 'object_id'],
    schema: objectsSchema,
    reader: 'parent-child',
    optIn: true,
  },
  object_relationships: {
    request: { method: 'GET', path: '/v1/objects/{object_type_id}/{object_id}/relationships' },
    parent: { table: 'types', keyColumn: 'object_type_id', readChildren: relationshipsOfType },
    recordsKey: 'cio_relationships',
    primaryKey: ['object_type_id', 'object_id', 'cio_id'],
    schema: objectRelationshipsSchema,
    reader: 'parent-child',
    optIn: true,
  },
  // Metrics tables (docs/streams.md, "Metrics tables"): one row per parent and day, a trailing
  // window re-read every sync. Opt-in: a request per parent every sync, for analytics few need.
  campaign_metrics: {
    request: { method: 'GET', path: '/v1/campaigns/{campaign_id}/metrics' },
    parent: { table: 'campaigns', keyColumn: 'campaign_id' },
    primaryKey: ['campaign_id', 'period_start'],
    schema: campaignMetricsSchema,
    reader: 'metrics',
    metrics: { version: 2 },
    optIn: true,
  },
  campaign_journey_metrics: {
    request: { method: 'GET', path: '/v1/campaigns/{campaign_id}/journey_metrics' },
    parent: { table: 'campaigns', keyColumn: 'campaign_id' },
    primaryKey: ['campaign_id', 'period_start'],
    schema: campaignJourneyMetricsSchema,
    reader: 'metrics',
    metrics: { version: 2, journeys: true },
    optIn: true,
  },
  broadcast_metrics: {
    request: { method: 'GET', path: '/v1/broadcasts/{broadcast_id}/metrics' },
    parent: { table: 'broadcasts', keyColumn: 'broadcast_id' },
    primaryKey: ['broadcast_id', 'period_start'],
    schema: broadcastMetricsSchema,
    reader: 'metrics',
    metrics: { version: 1 },
    optIn: true,
  },
  newsletter_metrics: {
    request: { method: 'GET', path: '/v1/newsletters/{newsletter_id}/metrics' },
    parent: { table: 'newsletters', keyColumn: 'newsletter_id' },
    primaryKey: ['newsletter_id', 'period_start'],
    schema: newsletterMetricsSchema,
    reader: 'metrics',
    metrics: { version: 1 },
    optIn: true,
  },
  campaign_action_metrics: {
    request: { method: 'GET', path: '/v1/campaigns/{campaign_id}/actions/{action_id}/metrics' },
    parent: { table: 'campaigns', keyColumn: 'campaign_id' },
    primaryKey: ['campaign_id', 'action_id', 'variant_action_id', 'period_start'],
    schema: campaignActionMetricsSchema,
    reader: 'metrics',
    metrics: {
      version: 2,
      perChild: { table: 'campaign_actions', keyColumn: 'action_id' },
      variants: true,
    },
    optIn: true,
  },
  broadcast_action_metrics: {
    request: { method: 'GET', path: '/v1/broadcasts/{broadcast_id}/actions/{action_id}/metrics' },
    parent: { table: 'broadcasts', keyColumn: 'broadcast_id' },
    primaryKey: ['broadcast_id', 'action_id', 'variant_action_id', 'period_start'],
    schema: broadcastActionMetricsSchema,
    reader: 'metrics',
    metrics: {
      version: 1,
      perChild: { table: 'broadcast_actions', keyColumn: 'action_id' },
      variants: true,
    },
    optIn: true,
  },
  newsletter_content_metrics: {
    request: { method: 'GET', path: '/v1/newsletters/{newsletter_id}/contents/{content_id}/metrics' },
    parent: { table: 'newsletters', keyColumn: 'newsletter_id' },
    primaryKey: ['newsletter_id', 'content_id', 'period_start'],
    schema: newsletterContentMetricsSchema,
    reader: 'metrics',
    metrics: { version: 1, perChild: { table: 'newsletter_contents', keyColumn: 'content_id' } },
    optIn: true,
  },
  transactional_metrics: {
    request: { method: 'GET', path: '/v1/transactional/{transactional_id}/metrics' },
    parent: { table: 'transactional_messages', keyColumn: 'transactional_id' },
    primaryKey: ['transactional_id', 'period_start'],
    schema: transactionalMetricsSchema,
    reader: 'metrics',
    metrics: { version: 1 },
    optIn: true,
  },
  // Two requests per parent: every click, then each person's first.
  campaign_link_metrics: linkMetrics('campaigns', 'campaign_id', '/v1/campaigns', campaignLinkMetricsSchema),
  broadcast_link_metrics: linkMetrics(
    'broadcasts',
    'broadcast_id',
    '/v1/broadcasts',
    broadcastLinkMetricsSchema,
  ),
  newsletter_link_metrics: linkMetrics(
    'newsletters',
    'newsletter_id',
    '/v1/newsletters',
    newsletterLinkMetricsSchema,
  ),
  transactional_link_metrics: linkMetrics(
    'transactional_messages',
    'transactional_id',
    '/v1/transactional',
    transactionalLinkMetricsSchema,
  ),
} satisfies Record<string, TableEntry>;

/** The name of a table, as in streams.md: table name = stream name. */
export type StreamName = keyof typeof TABLES;

export const STREAM_NAMES: readonly StreamName[] = Object.keys(TABLES) as StreamName[];

/** The tables synced when none are named: all but the opt-in ones (`optIn`). */
export const DEFAULT_STREAM_NAMES: readonly StreamName[] = STREAM_NAMES.filter(
  (name) => !(TABLES[name] as TableEntry).optIn,
);

/** A table read per parent reads partially when its parent does (see PartialRead `parents`). */
function partialReadOf(entry: TableEntry): PartialRead | undefined {
  if (entry.partialRead !== undefined || entry.reader !== 'parent-child' || entry.parent === undefined) {
    return entry.partialRead;
  }
  const parent = (TABLES as Record<string, TableEntry>)[entry.parent.table];
  return parent?.partialRead === undefined ? undefined : { kind: 'parents' };
}

function withDefaults(name: StreamName, entry: TableEntry): StreamDefinition<StreamName> {
  const partialRead = partialReadOf(entry);
  return {
    ...entry,
    ...(partialRead ? { partialRead } : {}),
    name,
    recordsKey: entry.recordsKey ?? name,
    paging: entry.paging ?? { kind: 'none' },
    primaryKey: [...(entry.primaryKey ?? ['id'])],
    reader: entry.reader ?? 'list',
  };
}

export const STREAM_DEFINITIONS: readonly StreamDefinition<StreamName>[] = STREAM_NAMES.map((name) =>
  withDefaults(name, TABLES[name]),
);

const BY_NAME = new Map<string, StreamDefinition<StreamName>>(
  STREAM_DEFINITIONS.map((def) => [def.name, def]),
);

export function isStreamName(value: string): value is StreamName {
  return BY_NAME.has(value);
}

/** The definition of a table; a name that is not one of ours is a configuration error. */
export function getDefinition(name: string): StreamDefinition<StreamName> {
  const def = BY_NAME.get(name);
  if (def === undefined) {
    throw new CioError('CIO_ERR_CONFIG', `unknown table "${name}"; tables: ${STREAM_NAMES.join(', ')}`);
  }
  return def;
}

/** The tables a run reads: those named (`streams` setting), else every table but the opt-in ones. */
export function tablesToSync(named: readonly string[] | undefined): StreamName[] {
  return named === undefined ? [...DEFAULT_STREAM_NAMES] : named.map((name) => getDefinition(name).name);
}
