/**
 * Resuming reads of lists that grow at the head. `messages` and `activities` are newest first (and
 * `newsletters` when a partial read asks so), so a record created after a read began lands before
 * every position that read has passed: a read that resumes from its saved position would not see
 * it until the next complete read, a sync later. So such a resumed read first reads the head again, down to the newest time the interrupted
 * attempt had committed, and only then continues from where it stopped.
 */

import type { ResumePoint } from '../core/state.js';
import type { Row, StreamDefinition } from '../streams/types.js';
import { toMillis } from './bookmarks.js';

export interface ResumePlan {
  /** Where the main read starts: a saved position, or undefined for the first page. */
  from: unknown;
  /** Read from the first page down to this time (epoch ms) before continuing from `from`. */
  catchUpTo?: number;
}

/**
 * `headField`: the time field of a read of a list newest first (default: a table that grows at the
 * head; a partial read that asks for newest first passes its own).
 */
export function resumePlan(
  def: StreamDefinition,
  resume: ResumePoint | undefined,
  headField: string | undefined = def.growsAtHead ? def.timeField : undefined,
): ResumePlan {
  if (resume === undefined) return { from: undefined };
  if (headField === undefined) return { from: resume.position };
  const mark = toMillis(resume.max_time);
  // The interrupted attempt committed no record with a time (state from an older version, or only
  // empty pages): nothing tells where its head was, and starting over repeats no committed rows.
  if (mark === undefined) return { from: undefined };
  return { from: resume.position, catchUpTo: mark };
}

/**
 * Whether a page of the head reaches what the interrupted attempt had already read: a record older
 * than its newest one. Records of the same second may be new, so they do not end the catch-up.
 */
export function reachesMark(rows: readonly Row[], field: string, mark: number): boolean {
  for (const row of rows) {
    const ms = toMillis(row[field]);
    if (ms !== undefined && ms < mark) return true;
  }
  return false;
}
