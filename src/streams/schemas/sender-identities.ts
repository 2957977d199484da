import type { JsonSchema } from '../types.js';
import { boolean, key, string, tableSchema } from './fields.js';

/** Sender identities (GET /v1/sender_identities). */
export const senderIdentitiesSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    name: string(),
    email: string(),
    address: string('"Name <email>"'),
    template_type: string('email | phone'),
    auto_generated: boolean(),
    hidden: boolean(),
    phone: string('SMS senders.'),
    deduplicate_id: string(),
  },
  ['id'],
);
