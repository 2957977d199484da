import type { JsonSchema } from '../types.js';
import { boolean, dateTime, integer, key, string, tableSchema } from './fields.js';

/** Exports (GET /v1/exports). */
export const exportsSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    type: string('customers | deliveries'),
    status: string('done | pending | failed'),
    failed: boolean(),
    total: integer('0 until done.'),
    downloads: integer(),
    description: string(),
    user_id: integer(),
    user_email: string(),
    created_at: dateTime(),
    updated_at: key.dateTime('Replication key.'),
    deduplicate_id: string(),
  },
  ['id', 'updated_at'],
);
