import type { PagePosition } from '../api/types.js';
import { CioError } from '../core/errors.js';
import { stateResetAdvice } from '../core/state.js';
import { isRecordObject } from './transform.js';

/** A saved position of a paged read, checked: state files are edited by people and tools. */
export function pagePositionFrom(resume: unknown, stream: string): PagePosition | null {
  if (resume === undefined || resume === null) return null;
  if (isRecordObject(resume)) {
    if (typeof resume.cursor === 'string' && resume.cursor !== '') return { cursor: resume.cursor };
    if (typeof resume.offset === 'number' && Number.isInteger(resume.offset) && resume.offset >= 0) {
      return { offset: resume.offset };
    }
  }
  throw new CioError(
    'CIO_ERR_STATE',
    `${stream}: saved position is not a page position: ${JSON.stringify(resume)}. ${stateResetAdvice(stream)}`,
    {
      stream,
    },
  );
}
