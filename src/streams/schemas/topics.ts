import type { JsonSchema } from '../types.js';
import { boolean, key, string, tableSchema } from './fields.js';

/** Subscription topics (GET /v1/subscription_topics, array key `topics`). */
export const topicsSchema: JsonSchema = tableSchema(
  {
    id: key.integer(),
    identifier: string('"topic_<id>"'),
    name: string(),
    description: string(),
    subscribed_by_default: boolean(),
  },
  ['id'],
);
