import type { JsonSchema } from '../types.js';
import { freeObject, key, string, tableSchema } from './fields.js';

/** Objects (POST /v1/objects per type, then GET /v1/objects/{type}/{id}/attributes). */
export const objectsSchema: JsonSchema = tableSchema(
  {
    object_type_id: key.string('The object type (`types.id`).'),
    object_id: key.string('The id the workspace gave the object.'),
    cio_object_id: string("Customer.io's immutable id of the object."),
    attributes: freeObject(),
    timestamps: freeObject('Per attribute: unix seconds of its last change.'),
  },
  ['object_type_id', 'object_id'],
);

/** The people related to each object (GET /v1/objects/{type}/{id}/relationships). */
export const objectRelationshipsSchema: JsonSchema = tableSchema(
  {
    object_type_id: key.string(),
    object_id: key.string(),
    cio_id: key.string('The related person.'),
    id: string(),
    email: string(),
  },
  ['object_type_id', 'object_id', 'cio_id'],
);
