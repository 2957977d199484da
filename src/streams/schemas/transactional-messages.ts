import type { JsonSchema } from '../types.js';
import { boolean, dateTime, key, string, tableSchema } from './fields.js';

/** Transactional message templates (GET /v1/transactional, array key `messages`). */
export const transactionalMessagesSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    name: string(),
    description: string(),
    send_to_unsubscribed: boolean(),
    link_tracking: boolean(),
    open_tracking: boolean(),
    hide_message_body: boolean(),
    queue_drafts: boolean(),
    trigger_name: string('Seen by the Singer tap; not in the vendor definition.'),
    created_at: dateTime(),
    updated_at: key.dateTime('Replication key.'),
  },
  ['id', 'updated_at'],
);
