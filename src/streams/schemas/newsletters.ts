import type { JsonSchema } from '../types.js';
import { arrayOf, dateTime, integer, key, string, tableSchema } from './fields.js';

/** Newsletters, the one-time sends (GET /v1/newsletters). */
export const newslettersSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    name: string(),
    type: string('email | webhook | twilio | push | in_app | inbox'),
    created: dateTime(),
    updated: key.dateTime('Replication key.'),
    sent_at: dateTime('Null while never sent.'),
    content_ids: arrayOf({ type: 'integer' }),
    recipient_segment_ids: arrayOf({ type: 'integer' }),
    subscription_topic_id: integer(),
    tags: arrayOf({ type: 'string' }),
    deduplicate_id: string(),
    expires_after: integer(),
    recipient_file_error: string(),
    recipient_file_status: string(),
  },
  ['id', 'updated'],
);
