import type { JsonSchema } from '../types.js';
import { integer, key, string, tableSchema } from './fields.js';

/** Workspaces of the account (GET /v1/workspaces); counts are cached by the API for up to 2 h. */
export const workspacesSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    name: string(),
    messages_sent: integer(),
    billable_messages_sent: integer(),
    people: integer(),
    objects: integer(),
    object_types: integer(),
  },
  ['id'],
);
