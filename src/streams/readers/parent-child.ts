import { setMaxListeners } from 'node:events';
import { paginate } from '../../api/paginators.js';
import type { ApiRequest } from '../../api/types.js';
import { CioError, isCioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { stateResetAdvice } from '../../core/state.js';
import { getDefinition } from '../definitions.js';
import { rowFromRecord } from '../transform.js';
import type { ParentKey, ParentLink, ReadContext, Row, StreamDefinition, StreamReader } from '../types.js';

/**
 * Where an interrupted child read resumes: after the parent of this key (every parent up to it,
 * in key order, was read whole and committed); null: at the first parent. A continuation token
 * is never part of it: tokens belong to one parent and one run.
 */
export interface ParentPosition {
  after_parent: ParentKey | null;
}

function isParentKey(value: unknown): value is ParentKey {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value !== '');
}

/** A saved position of a child table, checked: state files are edited by people and tools. */
export function parentPositionFrom(resume: unknown, stream: string): ParentPosition | null {
  if (resume === undefined || resume === null) return null;
  if (isRecord(resume) && Object.hasOwn(resume, 'after_parent')) {
    const after = resume.after_parent;
    if (after === null || isParentKey(after)) return { after_parent: after };
  }
  throw new CioError(
    'CIO_ERR_STATE',
    `${stream}: saved position is not a parent position: ${JSON.stringify(resume)}. ${stateResetAdvice(stream)}`,
    { stream },
  );
}

function linkOf(def: StreamDefinition): ParentLink {
  if (def.parent === undefined) {
    throw new CioError('CIO_ERR_INTERNAL', `${def.name} is read per parent but names no parent table`);
  }
  return def.parent;
}

/** Numbers in numeric order, then strings: the order parents are read and resumed in. */
function compareKeys(a: ParentKey, b: ParentKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The parents' keys, once each, in reading order. */
export function parentOrder(keys: readonly unknown[]): ParentKey[] {
  return [...new Set(keys.filter(isParentKey))].sort(compareKeys);
}

/** The parent table's keys, listed by this reader itself when the run did not read the parent table. */
async function listParentKeys(link: ParentLink, def: StreamDefinition, ctx: ReadContext): Promise<unknown[]> {
  const parent = getDefinition(link.table);
  const field = parent.primaryKey[0] as string;
  const keys: unknown[] = [];
  const pages = paginate(ctx.client, parent.request, parent.recordsKey, parent.paging, {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    stream: def.name,
  });
  for await (const page of pages) {
    for (const record of page.records) if (isRecord(record)) keys.push(record[field]);
  }
  return keys;
}

/** A parent's child rows, one list per page read; 'gone' when the parent answered 404. */
type ParentRead = Row[][] | 'gone';

function childRequest(def: StreamDefinition, link: ParentLink, key: ParentKey): ApiRequest {
  const path = def.request.path.replace(`{${link.keyColumn}}`, encodeURIComponent(String(key)));
  return { ...def.request, path };
}

/**
 * Reads every page of one parent's children. Each row carries the parent's key (the path's value
 * wins over what the record says: it is the parent the row was read under).
 */
async function readParent(
  def: StreamDefinition,
  link: ParentLink,
  key: ParentKey,
  ctx: ReadContext,
  signal: AbortSignal,
): Promise<ParentRead> {
  const request = childRequest(def, link, key);
  const toRows = (records: unknown[]): Row[] =>
    records.map((record) => ({ ...rowFromRecord(def, record), [link.keyColumn]: key }));
  try {
    if (link.recordsOf !== undefined) {
      const body = await ctx.client.request(request, { signal, stream: def.name });
      if (!isRecord(body)) {
        throw new CioError(
          'CIO_ERR_BAD_RESPONSE',
          `The Customer.io API answered ${request.path} with no object.`,
          {
            path: request.path,
            stream: def.name,
          },
        );
      }
      return [toRows(link.recordsOf(body))];
    }
    const pages: Row[][] = [];
    const opts = { signal, stream: def.name };
    for await (const page of paginate(ctx.client, request, def.recordsKey, def.paging, opts)) {
      pages.push(toRows(page.records));
    }
    return pages.length > 0 ? pages : [[]];
  } catch (error) {
    // Deleted between the parent's listing and this read: its children are gone with it.
    if (isCioError(error) && error.status === 404) return 'gone';
    throw error;
  }
}

const ignore = (): void => {};

/**
 * Whole parents whose rows travel as one page: a page is a transaction (databases) or a STATE
 * message (protocols), and most parents have a handful of children. Bounded so a crash loses
 * little and a page stays small.
 */
const GROUP_ROWS = 1000;
const GROUP_PARENTS = 50;

/**
 * The reader of a table read per parent (docs/streams.md, "Structure tables"): one read of the
 * child endpoint per parent row the run read, in key order, `ctx.concurrency` parents at a time
 * under the shared budget. Pages come out in parent order, so the position a page carries (the
 * last parent read whole) is true however the reads overlap: consecutive one-page parents share a
 * page; a parent of several pages gets its own, and until its last one is committed a resume reads
 * it again from its start. A parent that answers 404 yields no rows: the complete read then marks
 * its children deleted, like any child not seen.
 */
export const readParentChild: StreamReader = async function* readParentChild(def, ctx) {
  const link = linkOf(def);
  const from = parentPositionFrom(ctx.resume, def.name);
  const listed = (await ctx.parentKeys?.()) ?? (await listParentKeys(link, def, ctx));
  const resumeAfter = from?.after_parent ?? null;
  const all = parentOrder(listed);
  const parents = all.filter((key) => resumeAfter === null || compareKeys(key, resumeAfter) > 0);
  const progress = (read: number) => ({ done: all.length - parents.length + read, total: all.length });
  if (parents.length === 0) {
    yield { rows: [], position: null, parents: progress(0) };
    return;
  }
  const stop = new AbortController();
  const signal = ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]);
  setMaxListeners(0, signal);
  const width = Math.max(1, ctx.concurrency);
  const reads: Promise<ParentRead>[] = [];
  const start = (i: number): void => {
    if (i >= parents.length) return;
    const read = readParent(def, link, parents[i] as ParentKey, ctx, signal);
    read.catch(ignore); // awaited in order below; a failure must not count as unhandled meanwhile
    reads[i] = read;
  };
  for (let i = 0; i < width; i++) start(i);
  /** The last parent whose rows were yielded whole. */
  let done: ParentKey | null = resumeAfter;
  let group: Row[] = [];
  let grouped = 0;
  try {
    for (let i = 0; i < parents.length; i++) {
      const read = await (reads[i] as Promise<ParentRead>);
      start(i + width);
      const key = parents[i] as ParentKey;
      const last = i === parents.length - 1;
      if (read !== 'gone' && read.length > 1) {
        if (grouped > 0) yield { rows: group, position: { after_parent: done }, parents: progress(i) };
        group = [];
        grouped = 0;
        for (let p = 0; p < read.length; p++) {
          const whole = p === read.length - 1;
          const position = whole ? (last ? null : { after_parent: key }) : { after_parent: done };
          yield { rows: read[p] as Row[], position, parents: progress(whole ? i + 1 : i) };
        }
        done = key;
        continue;
      }
      if (read === 'gone') {
        ctx.onWarning?.(
          `${def.name}: ${link.table} ${String(key)} no longer exists (404); its rows are marked deleted.`,
        );
      } else {
        group = group.concat(read[0] as Row[]);
      }
      grouped++;
      done = key;
      if (last || group.length >= GROUP_ROWS || grouped >= GROUP_PARENTS) {
        yield { rows: group, position: last ? null : { after_parent: key }, parents: progress(i + 1) };
        group = [];
        grouped = 0;
      }
    }
  } finally {
    stop.abort();
    await Promise.allSettled(reads);
  }
};
