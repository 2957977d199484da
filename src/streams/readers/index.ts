import { checkPagePosition } from '../resume-position.js';
import type { ReaderName, StreamDefinition, StreamReader } from '../types.js';
import { readCustomers } from './customers.js';
import { readTableStream } from './list.js';
import { readMetrics } from './metrics.js';
import { parentPositionFrom, readParentChild } from './parent-child.js';
import { checkPassPosition, readPasses } from './passes.js';
import { readSuppressions, suppressionPositionFrom } from './suppressions.js';

/** How one kind of table is read, and which saved positions it can resume from. */
export interface ReaderStrategy {
  read: StreamReader;
  /**
   * Throws when `position` (from a state file: edited by people and tools) is not one this reader
   * can resume from, so a bad state fails before a run starts rather than halfway through it.
   */
  checkPosition(position: unknown, definition: StreamDefinition): void;
}

/** Every reader a table entry can name: `reader` in THE TABLE (streams/definitions.ts). */
export const READERS: Readonly<Record<ReaderName, ReaderStrategy>> = {
  list: { read: readTableStream, checkPosition: checkPagePosition },
  passes: { read: readPasses, checkPosition: checkPassPosition },
  customers: { read: readCustomers, checkPosition: checkPagePosition },
  suppressions: {
    read: readSuppressions,
    checkPosition: (position, definition) => suppressionPositionFrom(position, definition.name),
  },
  'parent-child': {
    read: readParentChild,
    checkPosition: (position, definition) => parentPositionFrom(position, definition.name),
  },
  metrics: {
    read: readMetrics,
    checkPosition: (position, definition) => parentPositionFrom(position, definition.name),
  },
};

export function readerFor(definition: StreamDefinition): StreamReader {
  return READERS[definition.reader].read;
}

/** See `ReaderStrategy.checkPosition`. */
export function checkResumePosition(definition: StreamDefinition, position: unknown): void {
  READERS[definition.reader].checkPosition(position, definition);
}
