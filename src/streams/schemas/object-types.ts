import type { JsonSchema } from '../types.js';
import { boolean, key, string, tableSchema } from './fields.js';

/** Object types (GET /v1/object_types, array key `types`). */
export const typesSchema: JsonSchema = tableSchema(
  {
    id: key.string('An integer sent as a string ("1").'),
    name: string(),
    singular_name: string(),
    slug: string(),
    singular_slug: string(),
    icon: string(),
    enabled: boolean(),
  },
  ['id'],
);
