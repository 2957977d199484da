import type { JsonSchema } from '../types.js';
import { key, string, tableSchema } from './fields.js';

/** Snippets (GET /v1/snippets): no numeric id, the name is unique. */
export const snippetsSchema: JsonSchema = tableSchema(
  {
    name: key.string(),
    value: string(),
    updated_at: key.dateTime('Replication key.'),
  },
  ['name', 'updated_at'],
);
