import type { JsonSchema } from '../types.js';
import { messageFields } from './child-actions.js';
import { arrayOf, boolean, dateTime, key, string, tableSchema } from './fields.js';

/** A newsletter's variants (GET /v1/newsletters/{newsletter_id}/contents). */
export const newsletterContentsSchema: JsonSchema = tableSchema(
  {
    newsletter_id: key.integer(),
    id: key.integer('The content_id that messages.content_id refers to.'),
    type: string('email | webhook | twilio | push | in_app | inbox'),
    ...messageFields,
    created: dateTime('Sent by live workspaces, not in the vendor schema.'),
    updated: dateTime('Sent by live workspaces, not in the vendor schema.'),
  },
  ['newsletter_id', 'id'],
);

/** A newsletter's A/B test groups (GET /v1/newsletters/{newsletter_id}/test_groups). */
export const newsletterTestGroupsSchema: JsonSchema = tableSchema(
  {
    newsletter_id: key.integer(),
    id: key.integer('May be 0.'),
    name: string(),
    label: string(),
    winner: boolean(),
    content_ids: arrayOf({ type: ['integer', 'string'] }, 'The contents of the group.'),
  },
  ['newsletter_id', 'id'],
);
