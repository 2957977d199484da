import { customerRow } from '../../../src/streams/readers/customer-row.js';
import { suppressionRow } from '../../../src/streams/readers/suppression-row.js';
import { rowFromRecord } from '../../../src/streams/transform.js';
import type { Row, StreamDefinition } from '../../../src/streams/types.js';

/** The row a table's reader makes of an API example record. */
export function exampleRow(def: StreamDefinition, record: unknown): Row {
  switch (def.reader) {
    case 'customers':
      return customerRow('03000001', record as Record<string, unknown>, { cio_id: '03000001' });
    case 'suppressions':
      return suppressionRow('bounces', record, def.schema);
    case 'list':
      return rowFromRecord(def, record);
  }
}
