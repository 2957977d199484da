import { CioError } from '../core/errors.js';
import { type StreamBookmark, stateResetAdvice } from '../core/state.js';

/** The bookmark fields that hold an RFC 3339 instant. */
const RESUME_INSTANTS = ['read_started_at', 'pending_max', 'min_time', 'max_time', 'since'] as const;

function isInstant(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

function unreadable(stream: string, what: string, value: unknown): CioError {
  return new CioError(
    'CIO_ERR_STATE',
    `The saved state of ${stream} is unreadable: ${what} is ${JSON.stringify(value) ?? 'undefined'}. ${stateResetAdvice(stream)}`,
    { stream },
  );
}

/**
 * Checks a table's saved resume point before its read uses it. The state is stored where people
 * and tools can edit it; a time that is not a date would otherwise surface as an internal error
 * deep in the read, on every run. Throws CIO_ERR_STATE naming the table and the command that
 * clears it. (The position is checked by the reader that knows its shape.)
 */
export function checkSavedBookmark(stream: string, bookmark: unknown): asserts bookmark is StreamBookmark {
  if (typeof bookmark !== 'object' || bookmark === null || Array.isArray(bookmark)) {
    throw unreadable(stream, 'the bookmark', bookmark);
  }
  const saved = bookmark as Record<string, unknown>;
  const resume = Object.hasOwn(saved, 'resume') ? saved.resume : undefined;
  if (resume === undefined) return;
  if (typeof resume !== 'object' || resume === null || Array.isArray(resume)) {
    throw unreadable(stream, 'resume', resume);
  }
  const point = resume as Record<string, unknown>;
  if (!isInstant(point.read_started_at)) {
    throw unreadable(stream, 'resume.read_started_at', point.read_started_at);
  }
  for (const key of RESUME_INSTANTS) {
    const value = Object.hasOwn(point, key) ? point[key] : undefined;
    if (value !== undefined && !isInstant(value)) {
      throw unreadable(stream, `resume.${key}`, value);
    }
  }
  const order = Object.hasOwn(point, 'order') ? point.order : undefined;
  if (order !== undefined && order !== 'descending' && order !== 'not descending') {
    throw unreadable(stream, 'resume.order', order);
  }
}
