import type { JsonSchema } from '../types.js';
import { boolean, dateTime, integer, key, string, tableSchema } from './fields.js';

/**
 * The message fields of an email-like action or newsletter variant (customerio-beyond.md A.1 "Email /
 * message", C.1), shared by actions and newsletter contents.
 */
export const messageFields: Record<string, JsonSchema> = {
  name: string(),
  language: string('"" for the default language.'),
  layout: string(),
  subject: string(),
  body: string(),
  body_amp: string(),
  preheader_text: string(),
  from: string(),
  from_id: integer(),
  reply_to: string(),
  reply_to_id: integer(),
  recipient: string(),
  bcc: string(),
  cc: string(),
  fake_bcc: boolean(),
  headers: string('JSON text.'),
  preprocessor: string(),
  deduplicate_id: string(),
};

/**
 * The fields every variant of a campaign or broadcast action may carry (customerio-beyond.md A.1,
 * B.1: message, SMS, WhatsApp and webhook variants, none with required fields).
 */
const actionFields: Record<string, JsonSchema> = {
  id: key.integer('Sent as a string of digits by live workspaces; stored as an integer.'),
  type: string('email | in_app | push | twilio | slack | whatsapp | webhook ...'),
  ...messageFields,
  body_json: string(),
  image_url: string(),
  method: string('Webhook actions: get | post | put | delete | patch.'),
  url: string('Webhook actions.'),
  send_to_unsubscribed: boolean(),
  sender_identity_id: integer(),
  tracked: boolean(),
  sending_state: string('automatic | draft | off'),
  created: dateTime(),
  updated: dateTime(),
};

/** A campaign's actions (GET /v1/campaigns/{campaign_id}/actions). */
export const campaignActionsSchema: JsonSchema = tableSchema(
  {
    campaign_id: key.integer('The campaign (set from the parent when the API omits it).'),
    ...actionFields,
    broadcast_id: integer(),
    parent_action_id: integer('The action this one belongs to (a split, a delay...).'),
  },
  ['campaign_id', 'id'],
);

/** A broadcast's actions (GET /v1/broadcasts/{broadcast_id}/actions). */
export const broadcastActionsSchema: JsonSchema = tableSchema(
  {
    broadcast_id: key.integer('The broadcast (set from the parent when the API omits it).'),
    ...actionFields,
  },
  ['broadcast_id', 'id'],
);

/** When each broadcast was triggered (GET /v1/broadcasts/{broadcast_id}/triggers). */
export const broadcastTriggersSchema: JsonSchema = tableSchema(
  {
    broadcast_id: key.integer(),
    id: key.integer(),
    created_at: dateTime(),
    processed_at: dateTime('Null until Customer.io processed the trigger.'),
  },
  ['broadcast_id', 'id'],
);
