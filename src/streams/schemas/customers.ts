import type { JsonSchema } from '../types.js';
import { arrayOf, boolean, freeObject, key, objectOf, string, tableSchema } from './fields.js';

/** People: ids from POST /v1/customers, details from POST /v1/customers/attributes. */
export const customersSchema: JsonSchema = tableSchema(
  {
    cio_id: key.string('Customer.io identifier: always set, unlike `id`.'),
    id: string('The workspace identifier; empty for people identified by email only.'),
    email: string(),
    identifiers: objectOf({ id: string(), email: string(), cio_id: string() }),
    attributes: freeObject('All values are strings in the API.'),
    timestamps: freeObject('Per attribute: unix seconds of its last change (deprecated by the vendor).'),
    devices: arrayOf(
      objectOf({
        id: string('Device token.'),
        platform: string('ios | android'),
        last_used: { type: ['integer', 'null'], description: 'Unix seconds.' },
        attributes: freeObject(),
      }),
    ),
    unsubscribed: boolean(),
  },
  ['cio_id'],
);
