import type { JsonSchema } from '../types.js';
import { arrayOf, dateTime, integer, key, string, tableSchema } from './fields.js';

/** Collections metadata (GET /v1/collections); empty on plans without collections. */
export const collectionsSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    name: string(),
    bytes: integer(),
    rows: integer(),
    schema: arrayOf({ type: 'string' }, 'Column names of the collection.'),
    created_at: dateTime(),
    updated_at: key.dateTime('Replication key.'),
  },
  ['id', 'updated_at'],
);
