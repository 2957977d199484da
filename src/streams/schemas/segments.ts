import type { JsonSchema } from '../types.js';
import { arrayOf, dateTime, integer, key, string, tableSchema } from './fields.js';

/** Segments (GET /v1/segments); archived segments are not listed. */
export const segmentsSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    name: string(),
    description: string(),
    type: string('dynamic | manual'),
    state: string('events | build | events_queued | build_queued | finished'),
    progress: integer('Percent while building.'),
    tags: arrayOf({ type: 'string' }),
    created_at: dateTime(),
    updated_at: key.dateTime('Replication key.'),
    deduplicate_id: string(),
  },
  ['id', 'updated_at'],
);
