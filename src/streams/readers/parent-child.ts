import { setMaxListeners } from 'node:events';
import { paginate } from '../../api/paginators.js';
import type { ApiRequest, FetchedPage } from '../../api/types.js';
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
export function compareKeys(a: ParentKey, b: ParentKey): number {
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

/**
 * A parent's first page of child rows, read ahead; `rest` continues its read (only where it has
 * more pages: those are read when the consumer reaches them, one at a time). `gone`: it answered 404.
 */
interface ParentRead {
  gone: boolean;
  first: Row[];
  rest?: AsyncGenerator<FetchedPage>;
}

const GONE: ParentRead = { gone: true, first: [] };

/** Deleted between the parent's listing and this read: its children are gone with it. */
function isGone(error: unknown): boolean {
  return isCioError(error) && error.status === 404;
}

function childRequest(def: StreamDefinition, link: ParentLink, key: ParentKey): ApiRequest {
  const path = def.request.path.replace(`{${link.keyColumn}}`, encodeURIComponent(String(key)));
  return { ...def.request, path };
}

/** One parent's child records as rows, each with the parent's key (the path's value wins). */
function rowsOf(def: StreamDefinition, link: ParentLink, key: ParentKey, records: unknown[]): Row[] {
  return records.map((record) => ({ ...rowFromRecord(def, record), [link.keyColumn]: key }));
}

/** Reads the first page of one parent's children. */
async function readParent(
  def: StreamDefinition,
  link: ParentLink,
  key: ParentKey,
  ctx: ReadContext,
  signal: AbortSignal,
): Promise<ParentRead> {
  const request = childRequest(def, link, key);
  if (link.readChildren !== undefined) {
    return {
      gone: false,
      first: rowsOf(def, link, key, await link.readChildren(key, ctx, signal, def.name)),
    };
  }
  if (link.recordsOf !== undefined) {
    let body: unknown;
    try {
      body = await ctx.client.request(request, { signal, stream: def.name });
    } catch (error) {
      if (isGone(error)) return GONE;
      throw error;
    }
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
    return { gone: false, first: rowsOf(def, link, key, link.recordsOf(body)) };
  }
  const pages = paginate(ctx.client, request, def.recordsKey, def.paging, { signal, stream: def.name });
  let result: IteratorResult<FetchedPage>;
  try {
    result = await pages.next();
  } catch (error) {
    if (isGone(error)) return GONE;
    throw error;
  }
  if (result.done) return { gone: false, first: [] };
  const first = rowsOf(def, link, key, result.value.records);
  if (result.value.next !== null) return { gone: false, first, rest: pages };
  await pages.return(undefined);
  return { gone: false, first };
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
  // Reads in flight or read ahead, by parent index; dropped once consumed, so rows are not kept.
  const reads = new Map<number, Promise<ParentRead>>();
  const start = (i: number): void => {
    if (i >= parents.length) return;
    const read = readParent(def, link, parents[i] as ParentKey, ctx, signal);
    read.catch(ignore); // awaited in order below; a failure must not count as unhandled meanwhile
    reads.set(i, read);
  };
  for (let i = 0; i < width; i++) start(i);
  /** The last parent whose rows were yielded whole. */
  let done: ParentKey | null = resumeAfter;
  let group: Row[] = [];
  let grouped = 0;
  try {
    for (let i = 0; i < parents.length; i++) {
      const read = await (reads.get(i) as Promise<ParentRead>);
      reads.delete(i);
      start(i + width);
      const key = parents[i] as ParentKey;
      const whole = i === parents.length - 1 ? null : { after_parent: key };
      if (read.rest !== undefined) {
        // A parent of several pages: its own pages, the first ones resuming before it.
        if (grouped > 0) yield { rows: group, position: { after_parent: done }, parents: progress(i) };
        group = [];
        grouped = 0;
        const partial = { after_parent: done };
        yield { rows: read.first, position: partial, parents: progress(i) };
        let ended = false;
        for await (const page of restOf(read.rest, def, link, key, ctx)) {
          ended = page.last;
          yield { rows: page.rows, position: ended ? whole : partial, parents: progress(ended ? i + 1 : i) };
        }
        if (!ended) yield { rows: [], position: whole, parents: progress(i + 1) };
        done = key;
        continue;
      }
      if (read.gone) {
        ctx.onWarning?.(
          `${def.name}: ${link.table} ${String(key)} no longer exists (404); its rows are marked deleted.`,
        );
      } else {
        group = group.concat(read.first);
      }
      grouped++;
      done = key;
      if (whole === null || group.length >= GROUP_ROWS || grouped >= GROUP_PARENTS) {
        yield { rows: group, position: whole, parents: progress(i + 1) };
        group = [];
        grouped = 0;
      }
    }
  } finally {
    stop.abort();
    for (const read of reads.values()) {
      await read.then((r) => r.rest?.return(undefined), ignore).catch(ignore);
    }
  }
};

/**
 * The pages after a parent's first, as rows (`last` on the last one). A 404 midway (the parent deleted meanwhile) ends them:
 * the rows already read stay until the next complete read finds the parent gone.
 */
async function* restOf(
  pages: AsyncGenerator<FetchedPage>,
  def: StreamDefinition,
  link: ParentLink,
  key: ParentKey,
  ctx: ReadContext,
): AsyncGenerator<{ rows: Row[]; last: boolean }> {
  try {
    for (;;) {
      const result = await pages.next();
      if (result.done) return;
      yield { rows: rowsOf(def, link, key, result.value.records), last: result.value.next === null };
    }
  } catch (error) {
    if (!isGone(error)) throw error;
    ctx.onWarning?.(
      `${def.name}: ${link.table} ${String(key)} no longer exists (404) midway through its read.`,
    );
  } finally {
    await pages.return(undefined).catch(ignore);
  }
}
