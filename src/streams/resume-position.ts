import type { PagePosition } from '../api/types.js';
import { CioError } from '../core/errors.js';
import { isRecord } from '../core/json.js';
import { stateResetAdvice } from '../core/state.js';
import type { StreamDefinition } from './types.js';

/** A saved position of a paged read, checked: state files are edited by people and tools. */
export function pagePositionFrom(resume: unknown, stream: string): PagePosition | null {
  if (resume === undefined || resume === null) return null;
  if (isRecord(resume)) {
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

/** Throws unless a read paged as `definition.paging` says can continue from `position`. */
export function checkPagePosition(position: unknown, definition: StreamDefinition): void {
  const parsed = pagePositionFrom(position, definition.name);
  const kind = definition.paging.kind;
  if (parsed !== null && kind !== 'none' && !(kind in parsed)) {
    throw new CioError(
      'CIO_ERR_STATE',
      `${definition.name}: a ${Object.keys(parsed)[0]} position for ${kind} paging`,
      { stream: definition.name },
    );
  }
}
