import type { JsonSchema } from '../types.js';
import { freeObject, key, personIdentifiers, string, tableSchema } from './fields.js';

/** Activities of the workspace (GET /v1/activities), kept by the API for about 30 days. */
export const activitiesSchema: JsonSchema = tableSchema(
  {
    id: key.string(),
    type: string('sent_email, opened_email, event, page, attribute_change, ...'),
    timestamp: key.dateTime('Time field: the start date filters on it.'),
    customer_id: string(),
    customer_identifiers: personIdentifiers,
    delivery_id: string(),
    delivery_type: string('ios | android | email | phone'),
    name: string('Event or screen name.'),
    url: string('Page views.'),
    data: freeObject(
      'Delivery facts or an attribute-change map; live `opened` is unix seconds, not a boolean.',
    ),
  },
  ['id', 'timestamp'],
);
