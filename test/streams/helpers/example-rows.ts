import { customerRow } from '../../../src/streams/readers/customer-row.js';
import { suppressionRow } from '../../../src/streams/readers/suppression-row.js';
import { rowFromRecord } from '../../../src/streams/transform.js';
import type { Row, StreamDefinition } from '../../../src/streams/types.js';
import { asWritten } from './as-written.js';

/** The row a table's reader makes of an API example record, as the outputs write it. */
export function exampleRow(def: StreamDefinition, record: unknown): Row {
  switch (def.reader) {
    case 'customers':
      return asWritten(customerRow('03000001', record as Record<string, unknown>, { cio_id: '03000001' }));
    case 'suppressions':
      return asWritten(suppressionRow('bounces', record, def.schema));
    case 'list':
    case 'passes':
      return asWritten(rowFromRecord(def, record));
    case 'parent-child': {
      // The reader sets the parent's key on every row, from the path it read.
      const column = def.parent?.keyColumn ?? '';
      const key = def.schema.properties?.[column]?.type === 'string' ? '3' : 3;
      return asWritten({ ...rowFromRecord(def, record), [column]: key });
    }
    case 'metrics':
      throw new Error(
        `${def.name}: metrics rows come from series, not records (test/streams/metrics-reader.test.ts)`,
      );
  }
}
