import { CioError } from '../../core/errors.js';
import { recordToRow } from '../transform.js';
import type { JsonSchema, Row } from '../types.js';

/** The four ESP suppression lists, in the order their pages are yielded. */
export const SUPPRESSION_TYPES = ['blocks', 'bounces', 'spam_reports', 'invalid_emails'] as const;
export type SuppressionType = (typeof SUPPRESSION_TYPES)[number];

/** One suppressed address as a row with the synthetic key `<type>:<email>`. */
export function suppressionRow(type: SuppressionType, record: unknown, schema: JsonSchema): Row {
  const row = recordToRow(record, schema);
  if (typeof row.email !== 'string' || row.email === '') {
    throw new CioError('CIO_ERR_BAD_RESPONSE', `suppressions/${type}: a record without email`, {
      stream: 'eps_suppression',
    });
  }
  // The vendor documents status as text ("550"); a number would split the column's type.
  if (typeof row.status === 'number') row.status = String(row.status);
  return { ...row, id: `${type}:${row.email}`, suppression_type: type };
}
