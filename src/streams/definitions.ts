import { CioError } from '../core/errors.js';
import { ipAddressToRow, reportingWebhookToRow } from './row-mappers.js';
import { activitiesSchema } from './schemas/activities.js';
import { broadcastsSchema } from './schemas/broadcasts.js';
import { campaignsSchema } from './schemas/campaigns.js';
import { collectionsSchema } from './schemas/collections.js';
import { customersSchema } from './schemas/customers.js';
import { epsSuppressionSchema } from './schemas/eps-suppression.js';
import { exportsSchema } from './schemas/exports.js';
import { ipAddressesSchema } from './schemas/ip-addresses.js';
import { messagesSchema } from './schemas/messages.js';
import { newslettersSchema } from './schemas/newsletters.js';
import { typesSchema } from './schemas/object-types.js';
import { reportingWebhooksSchema } from './schemas/reporting-webhooks.js';
import { segmentsSchema } from './schemas/segments.js';
import { senderIdentitiesSchema } from './schemas/sender-identities.js';
import { snippetsSchema } from './schemas/snippets.js';
import { topicsSchema } from './schemas/topics.js';
import { transactionalMessagesSchema } from './schemas/transactional-messages.js';
import { workspacesSchema } from './schemas/workspaces.js';
import { STREAM_NAMES, type StreamDefinition } from './types.js';

const NO_PAGING = { kind: 'none' } as const;

/** Matches every person: all profiles have a cio_id. */
export const EVERYONE_FILTER = { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] } as const;

/** Placeholder in the suppressions path, replaced by each of the four types. */
export const SUPPRESSION_TYPE_PLACEHOLDER = '{suppression_type}';

/**
 * THE TABLE: one entry per table of shared/docs/streams.md. Page sizes are the largest each
 * endpoint documents; where the vendor documents no maximum (newsletters, sender identities) we
 * use 100, which every client seen uses without trouble, since exceeding an unknown maximum may
 * be answered with a 400 rather than clamped.
 */
export const STREAM_DEFINITIONS: readonly StreamDefinition[] = [
  {
    name: 'broadcasts',
    request: { method: 'GET', path: '/v1/broadcasts' },
    recordsKey: 'broadcasts',
    paging: NO_PAGING,
    primaryKey: ['id'],
    replicationKey: 'updated',
    schema: broadcastsSchema,
  },
  {
    name: 'transactional_messages',
    request: { method: 'GET', path: '/v1/transactional' },
    recordsKey: 'messages',
    paging: NO_PAGING,
    primaryKey: ['id'],
    replicationKey: 'updated_at',
    schema: transactionalMessagesSchema,
  },
  {
    name: 'customers',
    request: { method: 'POST', path: '/v1/customers', body: { filter: EVERYONE_FILTER } },
    recordsKey: 'identifiers',
    paging: { kind: 'cursor', pageSize: 1000 },
    primaryKey: ['cio_id'],
    schema: customersSchema,
    reader: 'customers',
  },
  {
    name: 'campaigns',
    request: { method: 'GET', path: '/v1/campaigns' },
    recordsKey: 'campaigns',
    paging: NO_PAGING,
    primaryKey: ['id'],
    replicationKey: 'updated',
    schema: campaignsSchema,
  },
  {
    name: 'newsletters',
    request: { method: 'GET', path: '/v1/newsletters' },
    recordsKey: 'newsletters',
    paging: { kind: 'cursor', pageSize: 100 },
    primaryKey: ['id'],
    replicationKey: 'updated',
    schema: newslettersSchema,
  },
  {
    name: 'segments',
    request: { method: 'GET', path: '/v1/segments' },
    recordsKey: 'segments',
    paging: NO_PAGING,
    primaryKey: ['id'],
    replicationKey: 'updated_at',
    schema: segmentsSchema,
  },
  {
    name: 'messages',
    request: { method: 'GET', path: '/v1/messages' },
    recordsKey: 'messages',
    paging: { kind: 'cursor', pageSize: 1000 },
    primaryKey: ['id'],
    timeField: 'created',
    agesOut: true,
    // Its order is not documented: treated like activities (newest first); if it is oldest first,
    // a resumed read's catch-up ends after one page.
    growsAtHead: true,
    serverTimeFilter: 'start_ts',
    schema: messagesSchema,
  },
  {
    name: 'exports',
    request: { method: 'GET', path: '/v1/exports' },
    recordsKey: 'exports',
    paging: NO_PAGING,
    primaryKey: ['id'],
    replicationKey: 'updated_at',
    schema: exportsSchema,
  },
  {
    name: 'activities',
    request: { method: 'GET', path: '/v1/activities' },
    recordsKey: 'activities',
    paging: { kind: 'cursor', pageSize: 100 },
    primaryKey: ['id'],
    timeField: 'timestamp',
    agesOut: true,
    growsAtHead: true,
    schema: activitiesSchema,
  },
  {
    name: 'sender_identities',
    request: { method: 'GET', path: '/v1/sender_identities' },
    recordsKey: 'sender_identities',
    paging: { kind: 'cursor', pageSize: 100 },
    primaryKey: ['id'],
    schema: senderIdentitiesSchema,
  },
  {
    name: 'reporting_webhooks',
    request: { method: 'GET', path: '/v1/reporting_webhooks' },
    recordsKey: 'reporting_webhooks',
    paging: NO_PAGING,
    primaryKey: ['id'],
    schema: reportingWebhooksSchema,
    toRow: reportingWebhookToRow,
  },
  {
    name: 'snippets',
    request: { method: 'GET', path: '/v1/snippets' },
    recordsKey: 'snippets',
    paging: NO_PAGING,
    primaryKey: ['name'],
    replicationKey: 'updated_at',
    schema: snippetsSchema,
  },
  {
    name: 'ip_addresses',
    request: { method: 'GET', path: '/v1/info/ip_addresses' },
    recordsKey: 'ip_addresses',
    paging: NO_PAGING,
    primaryKey: ['id'],
    schema: ipAddressesSchema,
    toRow: ipAddressToRow,
  },
  {
    name: 'collections',
    request: { method: 'GET', path: '/v1/collections' },
    recordsKey: 'collections',
    paging: NO_PAGING,
    primaryKey: ['id'],
    replicationKey: 'updated_at',
    schema: collectionsSchema,
  },
  {
    name: 'topics',
    request: { method: 'GET', path: '/v1/subscription_topics' },
    recordsKey: 'topics',
    paging: NO_PAGING,
    primaryKey: ['id'],
    schema: topicsSchema,
  },
  {
    name: 'workspaces',
    request: { method: 'GET', path: '/v1/workspaces' },
    recordsKey: 'workspaces',
    paging: NO_PAGING,
    primaryKey: ['id'],
    schema: workspacesSchema,
  },
  {
    name: 'types',
    request: { method: 'GET', path: '/v1/object_types' },
    recordsKey: 'types',
    paging: NO_PAGING,
    primaryKey: ['id'],
    schema: typesSchema,
  },
  {
    name: 'eps_suppression',
    request: { method: 'GET', path: `/v1/esp/suppression/${SUPPRESSION_TYPE_PLACEHOLDER}` },
    recordsKey: 'suppressions',
    paging: { kind: 'offset', pageSize: 1000, defaultPageSize: 100 },
    primaryKey: ['id'],
    timeField: 'created',
    schema: epsSuppressionSchema,
    reader: 'suppressions',
  },
];

const BY_NAME = new Map<string, StreamDefinition>(STREAM_DEFINITIONS.map((def) => [def.name, def]));

export { isStreamName } from './types.js';

/** The definition of a table; a name that is not one of the 18 is a configuration error. */
export function getDefinition(name: string): StreamDefinition {
  const def = BY_NAME.get(name);
  if (def === undefined) {
    throw new CioError('CIO_ERR_CONFIG', `unknown table "${name}"; tables: ${STREAM_NAMES.join(', ')}`);
  }
  return def;
}
