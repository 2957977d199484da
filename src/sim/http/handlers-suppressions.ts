/**
 * ESP suppressions: limit/offset paging, no cursor and no `next`. A page past the end is
 * `{"suppressions": null}` with no `category` live (as peers recorded), and
 * `{"category": ..., "suppressions": []}` in the spec.
 */

import { SUPPRESSION_CATEGORY } from '../world/suppressions.js';
import type { JsonObject, SuppressionType } from '../world/types.js';
import { readInt, readLimit } from './paging.js';
import type { Handler, ObjectResult } from './route-types.js';

export const listSuppressions: Handler = (req, { world }): ObjectResult => {
  const type = req.params.type as SuppressionType;
  const table = world.suppressions[type];
  const limit = readLimit(req.query, 100, 1000);
  const offset = readInt(req.query, 'offset') ?? 0;
  const domain = req.query.get('domain')?.toLowerCase() || undefined;
  const end = table.table.rawCount();
  const rows: JsonObject[] = [];
  const direct = domain === undefined && !world.ctx.timeline.epochs.some((e) => e.delete > 0);
  // Without deletions or a filter, offset N is raw index N; otherwise count live matching rows.
  let skip = direct ? 0 : offset;
  for (let i = direct ? offset : 0; i < end && rows.length < limit; i++) {
    const row = table.get(i);
    if (!row) continue;
    if (domain !== undefined && !String(row.email).toLowerCase().endsWith(`@${domain}`)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    rows.push(row);
  }
  if (rows.length === 0 && world.ctx.shapes === 'live') return { body: { suppressions: null } };
  return { body: { category: SUPPRESSION_CATEGORY[type], suppressions: rows } };
};
