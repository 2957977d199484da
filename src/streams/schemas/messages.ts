import type { JsonSchema } from '../types.js';
import { boolean, freeObject, integer, key, personIdentifiers, string, tableSchema } from './fields.js';

/** Message deliveries (GET /v1/messages). */
export const messagesSchema: JsonSchema = tableSchema(
  {
    id: key.string(),
    deduplicate_id: string(),
    created: key.dateTime('Time field: the start date filters on it (server-side, `start_ts`).'),
    type: string('email | webhook | twilio | push | in_app | slack | whatsapp | live_notification'),
    recipient: string(),
    subject: string(),
    customer_id: string(),
    customer_identifiers: personIdentifiers, // null on some live deliveries
    campaign_id: integer(),
    broadcast_id: integer(),
    newsletter_id: integer(),
    action_id: integer(),
    parent_action_id: integer(),
    content_id: integer(),
    transactional_message_id: integer('Transactional deliveries (live; not in the vendor definition).'),
    trigger_event_id: string(),
    failure_message: string(),
    forgotten: boolean(),
    message_template_id: integer('Deprecated by the vendor.'),
    msg_template_id: integer('The name the vendor examples use for message_template_id.'),
    metrics: freeObject(
      'Unix seconds per metric reached (sent, delivered, opened, ...); live keys include `secondary:delivered`.',
    ),
    tracked_responses: freeObject('Only when requested.'),
  },
  ['id', 'created'],
);
