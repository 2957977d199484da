import type { JsonSchema } from '../types.js';
import { arrayOf, boolean, key, string, tableSchema } from './fields.js';

/** Reporting webhooks (GET /v1/reporting_webhooks). */
export const reportingWebhooksSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    name: string(),
    endpoint: string('URL, with any user:password credentials removed.'),
    events: arrayOf({ type: 'string' }),
    disabled: boolean(),
    full_resolution: boolean(),
    with_content: boolean(),
    type: string('webhook | js'),
  },
  ['id'],
);
