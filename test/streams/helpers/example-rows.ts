import { customerRow } from '../../../src/streams/readers/customer-row.js';
import { suppressionRow } from '../../../src/streams/readers/suppression-row.js';
import { rowFromRecord } from '../../../src/streams/transform.js';
import type { Row, StreamDefinition } from '../../../src/streams/types.js';
import { API_EXAMPLES } from './api-examples.js';
import { asWritten } from './as-written.js';

/** The row each table's reader makes of its API example, as the outputs write it. */
export function exampleRow(def: StreamDefinition): Row {
  const record = API_EXAMPLES[def.name];
  if (def.name === 'customers') {
    return asWritten(customerRow('03000001', record as Record<string, unknown>, { cio_id: '03000001' }));
  }
  if (def.name === 'eps_suppression') return asWritten(suppressionRow('bounces', record, def.schema));
  return asWritten(rowFromRecord(def, record));
}
