import type { JsonSchema } from '../types.js';
import { key, tableSchema } from './fields.js';

/** Customer.io's sending IP addresses (GET /v1/info/ip_addresses): one row per address. */
export const ipAddressesSchema: JsonSchema = tableSchema({ id: key.string('The IP address.') }, ['id']);
