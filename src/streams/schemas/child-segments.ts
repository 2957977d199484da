import type { JsonSchema } from '../types.js';
import { key, string, tableSchema } from './fields.js';

/** Who is in each segment (GET /v1/segments/{segment_id}/membership). */
export const segmentMembersSchema: JsonSchema = tableSchema(
  {
    segment_id: key.integer(),
    cio_id: key.string(),
    id: string("The person's id; null for people identified by email only."),
    email: string(),
  },
  ['segment_id', 'cio_id'],
);

/** What uses each segment (GET /v1/segments/{segment_id}/used_by), one row per user. */
export const segmentDependenciesSchema: JsonSchema = tableSchema(
  {
    segment_id: key.integer(),
    dependent_type: key.string('campaign | draft_newsletter | sent_newsletter'),
    dependent_id: key.integer(),
  },
  ['segment_id', 'dependent_type', 'dependent_id'],
);
