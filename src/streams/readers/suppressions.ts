import { setMaxListeners } from 'node:events';
import { paginate } from '../../api/paginators.js';
import type { FetchedPage } from '../../api/types.js';
import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { SUPPRESSION_TYPE_PLACEHOLDER } from '../definitions.js';
import { startDateFilter } from '../start-date.js';
import type { StreamDefinition, StreamReader } from '../types.js';
import { SUPPRESSION_TYPES, type SuppressionType, suppressionRow } from './suppression-row.js';

/**
 * How far an interrupted read got (shown by `cio-sync state show`): the lists it read completely,
 * and the next offset of the others. A resumed read still reads every list again from offset 0:
 * removing a suppression shifts every later one to a lower offset, so going on at a saved offset
 * would skip records (and mark them deleted if an earlier sync loaded them), and suppressions added
 * to a finished list since would wait for the next sync. The lists are small next to messages.
 */
export interface SuppressionPosition {
  done: SuppressionType[];
  offsets: Partial<Record<SuppressionType, number>>;
}

function isSuppressionType(value: unknown): value is SuppressionType {
  return (SUPPRESSION_TYPES as readonly unknown[]).includes(value);
}

export function suppressionPositionFrom(resume: unknown, stream: string): SuppressionPosition {
  if (resume === undefined || resume === null) return { done: [], offsets: {} };
  const bad = () =>
    new CioError(
      'CIO_ERR_STATE',
      `${stream}: saved position is not a suppressions position: ${JSON.stringify(resume)}`,
      {
        stream,
      },
    );
  if (!isRecord(resume) || !Array.isArray(resume.done) || !isRecord(resume.offsets)) throw bad();
  const done = resume.done.filter(isSuppressionType);
  if (done.length !== resume.done.length) throw bad();
  const offsets: Partial<Record<SuppressionType, number>> = {};
  for (const [type, offset] of Object.entries(resume.offsets)) {
    if (!isSuppressionType(type) || typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
      throw bad();
    offsets[type] = offset;
  }
  return { done, offsets };
}

interface ListReader {
  type: SuppressionType;
  pages: AsyncGenerator<FetchedPage>;
  /** The page being fetched while earlier pages are consumed. */
  next: Promise<IteratorResult<FetchedPage>>;
}

const ignore = (): void => {};

/**
 * The four suppression lists, up to `ctx.concurrency` of them fetched at once. Pages are yielded
 * round-robin over the lists being read, in SUPPRESSION_TYPES order, so the order depends on the
 * data only, never on timing; each position records every page yielded before it (null after
 * the last page).
 */
export const readSuppressions: StreamReader = async function* readSuppressions(def, ctx) {
  // Checked, so a damaged state is reported, but not followed: see SuppressionPosition.
  suppressionPositionFrom(ctx.resume, def.name);
  const done = new Set<SuppressionType>();
  const offsets: SuppressionPosition['offsets'] = {};
  const waiting = [...SUPPRESSION_TYPES];
  const keep = startDateFilter(def, ctx.startDate);
  const stop = new AbortController();
  const signal = ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]);
  // Every queued and in-flight request listens to it: more than the default 10 is normal.
  setMaxListeners(0, signal);

  const open = (type: SuppressionType): ListReader => {
    const pages = paginate(ctx.client, listRequest(def, type), def.recordsKey, def.paging, {
      signal,
      stream: def.name,
    });
    const next = pages.next();
    next.catch(ignore); // awaited later; a failure must not count as unhandled meanwhile
    return { type, pages, next };
  };
  const position = (): SuppressionPosition => ({
    done: SUPPRESSION_TYPES.filter((type) => done.has(type)),
    offsets: { ...offsets },
  });

  const active: ListReader[] = [];
  const fill = () => {
    while (active.length < Math.max(1, ctx.concurrency)) {
      const type = waiting.shift();
      if (type === undefined) return;
      active.push(open(type));
    }
  };
  try {
    fill();
    ctx.onProgress?.([{ label: 'lists', done: 0, total: SUPPRESSION_TYPES.length }]);
    let turn = 0;
    while (active.length > 0) {
      const reader = active[turn] as ListReader;
      const result = await reader.next;
      const page = result.done ? null : result.value;
      const rows =
        page === null ? [] : page.records.map((record) => suppressionRow(reader.type, record, def.schema));
      if (page?.next) {
        if (!('offset' in page.next)) {
          throw new CioError(
            'CIO_ERR_INTERNAL',
            `suppressions/${reader.type}: offset paging returned a cursor`,
          );
        }
        offsets[reader.type] = page.next.offset;
        reader.next = reader.pages.next();
        reader.next.catch(ignore);
        turn++;
      } else {
        done.add(reader.type);
        ctx.onProgress?.([{ label: 'lists', done: done.size, total: SUPPRESSION_TYPES.length }]);
        delete offsets[reader.type];
        active.splice(turn, 1);
        await reader.pages.return(undefined);
        fill();
      }
      if (turn >= active.length) turn = 0;
      yield { rows: keep(rows), position: active.length === 0 ? null : position() };
    }
  } finally {
    // The consumer stopped early or a list failed: cancel the fetches still running ahead.
    stop.abort();
    await Promise.allSettled(active.map((reader) => reader.pages.return(undefined)));
  }
};

function listRequest(def: StreamDefinition, type: SuppressionType) {
  return { ...def.request, path: def.request.path.replace(SUPPRESSION_TYPE_PLACEHOLDER, type) };
}
