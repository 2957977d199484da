import type { JsonSchema } from '../types.js';
import { dateTime, key, string, tableSchema } from './fields.js';

/** Suppressed addresses of the four ESP suppression lists (GET /v1/esp/suppression/{type}). */
export const epsSuppressionSchema: JsonSchema = tableSchema(
  {
    id: key.string('"<suppression_type>:<email>"'),
    suppression_type: key.string('blocks | bounces | spam_reports | invalid_emails'),
    email: key.string(),
    created: dateTime('Time field: the start date filters on it.'),
    reason: string(),
    status: string('The SMTP status, as text.'),
  },
  ['id', 'suppression_type', 'email'],
);
