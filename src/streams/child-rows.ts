import { CioError } from '../core/errors.js';
import { isRecord } from '../core/json.js';
import { campaignActionsSchema } from './schemas/child-actions.js';
import { segmentMembersSchema } from './schemas/child-segments.js';
import { recordToRow } from './transform.js';
import type { Row } from './types.js';

const DIGITS = /^\d{1,15}$/;

/** Live workspaces send a campaign action's `id` as a string of digits; the contract stores an integer. */
export function campaignActionToRow(record: unknown): Row {
  const row = recordToRow(record, campaignActionsSchema);
  if (typeof row.id === 'string' && DIGITS.test(row.id)) row.id = Number(row.id);
  return row;
}

/** One `identifiers` entry of a membership page: the person, `email` null where the workspace has none. */
export function segmentMemberToRow(record: unknown): Row {
  const row = recordToRow(record, segmentMembersSchema);
  return { ...row, id: row.id ?? null, email: row.email ?? null };
}

/** `used_by` list name -> `dependent_type` value (docs/streams.md). */
const DEPENDENT_TYPES: Readonly<Record<string, string>> = {
  campaigns: 'campaign',
  draft_newsletters: 'draft_newsletter',
  sent_newsletters: 'sent_newsletter',
};

/**
 * `{"used_by": {"campaigns": [ids], "draft_newsletters": [...], "sent_newsletters": [...]}}` as one
 * record per user. A list sent as null is empty; a list of another name becomes its own type, so a
 * new kind of user is kept rather than dropped.
 */
export function segmentDependenciesOf(body: Record<string, unknown>): unknown[] {
  const usedBy = body.used_by;
  if (usedBy === undefined || usedBy === null) return [];
  if (!isRecord(usedBy)) {
    throw new CioError('CIO_ERR_BAD_RESPONSE', `expected "used_by" to be an object, got ${typeof usedBy}`);
  }
  const records: unknown[] = [];
  for (const [list, ids] of Object.entries(usedBy)) {
    if (ids === null) continue;
    if (!Array.isArray(ids)) {
      throw new CioError('CIO_ERR_BAD_RESPONSE', `expected "used_by.${list}" to be a list of ids`);
    }
    const type = DEPENDENT_TYPES[list] ?? list.replace(/s$/, '');
    for (const id of ids) records.push({ dependent_type: type, dependent_id: id });
  }
  return records;
}
