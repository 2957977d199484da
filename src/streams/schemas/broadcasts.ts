import type { JsonSchema } from '../types.js';
import { actionRef, arrayOf, boolean, dateTime, key, string, tableSchema } from './fields.js';

/** API-triggered broadcasts (GET /v1/broadcasts). */
export const broadcastsSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    name: string(),
    type: string('triggered_broadcast'),
    state: string('running | draft'),
    active: boolean(),
    created: dateTime(),
    updated: key.dateTime('Replication key.'),
    first_started: dateTime(),
    deduplicate_id: string('"<id>:<unix ts of last update>"'),
    tags: arrayOf({ type: 'string' }),
    actions: arrayOf(actionRef),
    msg_template_ids: arrayOf(actionRef, 'Deprecated by the vendor.'),
  },
  ['id', 'updated'],
);
