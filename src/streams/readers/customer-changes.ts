import { setMaxListeners } from 'node:events';
import { paginate } from '../../api/paginators.js';
import type { ApiClient, RequestOptions } from '../../api/types.js';
import { isRecord } from '../../core/json.js';
import { formatToSecond, isUnixSeconds } from '../../core/time.js';
import type { PartialRead, ReadContext, Row, StreamDefinition, StreamPage } from '../types.js';
import { ATTRIBUTES_BATCH_SIZE, AttributesFetcher, chunk } from './customer-attributes.js';
import { customerRow, normalCioId, type Person } from './customer-row.js';

/**
 * The position of a page of changes before the last: a resumed read of changes starts over (the
 * engine hands it no position), so this only tells that the read had not finished.
 */
const RESTART = { restart: true } as const;

const ignore = (): void => {};

type ChangeFeed = Extract<PartialRead, { kind: 'changes' }>['feed'];

function feedOf(def: StreamDefinition): ChangeFeed {
  const partial = def.partialRead;
  if (partial?.kind !== 'changes') throw new Error(`${def.name} has no change feed`);
  return partial.feed;
}

/** An event's time in unix seconds, when it has a readable one. */
function eventSeconds(record: Record<string, unknown>): number | undefined {
  const value = record.timestamp;
  return typeof value === 'number' && isUnixSeconds(value) ? value : undefined;
}

/** The people of the events since `since` (by cio_id, with the identifiers the event names). */
interface Changed {
  people: Map<string, Person>;
  /** Events that name nobody by cio_id: those people wait for the next complete read. */
  unnamed: number;
  /** The newest event time seen, unix seconds. */
  newest: number | undefined;
}

/**
 * Reads one type's events newest first down to `since`: the page that reaches an older event is
 * the last asked for.
 */
async function readEventsOfType(
  client: ApiClient,
  feed: ChangeFeed,
  type: string,
  sinceSeconds: number,
  options: RequestOptions,
  into: Changed,
): Promise<void> {
  const request = { method: 'GET' as const, path: feed.path, query: { type } };
  const pages = paginate(
    client,
    request,
    feed.recordsKey,
    { kind: 'cursor', pageSize: feed.pageSize },
    options,
  );
  for await (const page of pages) {
    let reachedOlder = false;
    for (const record of page.records) {
      if (!isRecord(record)) continue;
      const at = eventSeconds(record);
      if (at !== undefined && at < sinceSeconds) {
        reachedOlder = true;
        continue;
      }
      if (at !== undefined && (into.newest === undefined || at > into.newest)) into.newest = at;
      const identifiers = isRecord(record.customer_identifiers) ? record.customer_identifiers : {};
      const cioId = normalCioId(identifiers.cio_id);
      if (cioId === null) into.unnamed++;
      else into.people.set(cioId, identifiers);
    }
    if (reachedOlder) return;
  }
}

/**
 * Customers between complete reads (`customers_refresh: changes`): the people named by the
 * person-changing events since `since`, fetched again by cio_id. A person deleted since is not
 * returned and keeps their row until the next complete read marks it deleted. The pages have no
 * position: an interrupted read of changes starts over, from the same instant.
 */
export async function* readChangedCustomers(
  def: StreamDefinition,
  ctx: ReadContext,
  since: Date,
): AsyncIterable<StreamPage> {
  const feed = feedOf(def);
  const signal = ctx.signal ?? new AbortController().signal;
  setMaxListeners(0, signal);
  const options: RequestOptions = { signal, stream: def.name };
  const changed: Changed = { people: new Map(), unnamed: 0, newest: undefined };
  const sinceSeconds = Math.floor(since.getTime() / 1000);
  // One chain of pages per type, all at once: each waits for its last answer before asking again.
  await Promise.all(
    feed.types.map((type) => readEventsOfType(ctx.client, feed, type, sinceSeconds, options, changed)),
  );
  const feedMark = formatToSecond((changed.newest ?? sinceSeconds) * 1000);
  const fetcher = new AttributesFetcher(ctx.client, options);
  const batches = chunk([...changed.people.keys()], ATTRIBUTES_BATCH_SIZE);
  let fetched = 0;
  let missing = 0;
  ctx.onProgress?.([{ label: 'changed', done: 0, total: changed.people.size }]);
  const window = Math.max(1, ctx.concurrency);
  const inFlight: Promise<Map<string, Person>>[] = [];
  let started = 0;
  const startNext = () => {
    const call = fetcher.fetch(batches[started++]!);
    call.catch(ignore); // awaited in order below; a failure must not count as unhandled meanwhile
    inFlight.push(call);
  };
  for (const [index, batch] of batches.entries()) {
    // The first call settles the form the ids take (bare or prefixed); then up to `concurrency` at once.
    if (inFlight.length === 0) startNext();
    while (index > 0 && started < batches.length && inFlight.length < window) startNext();
    const people = await inFlight.shift()!;
    const rows: Row[] = [];
    for (const cioId of batch) {
      const person = people.get(cioId);
      if (person === undefined) missing++;
      else rows.push(customerRow(cioId, person, changed.people.get(cioId) ?? {}));
    }
    fetched += batch.length;
    ctx.onProgress?.([{ label: 'changed', done: fetched, total: changed.people.size }]);
    const last = fetched === changed.people.size;
    yield { rows, position: last ? null : RESTART, feedMark };
  }
  if (batches.length === 0) yield { rows: [], position: null, feedMark };
  if (changed.unnamed > 0) {
    ctx.onWarning?.(
      `customers: ${changed.unnamed} change event(s) named no cio_id; those people are brought up to date by the next complete read`,
    );
  }
  if (missing > 0) {
    ctx.onWarning?.(
      `customers: ${missing} changed people are gone (deleted); their rows are marked deleted by the next complete read`,
    );
  }
}

/**
 * A complete read that follows a change feed: the feed's head is noted before the people are read,
 * so the next read of changes starts there and misses nothing that changed during this one.
 */
export async function* withFeedMark(
  def: StreamDefinition,
  ctx: ReadContext,
  pages: AsyncIterable<StreamPage>,
): AsyncIterable<StreamPage> {
  const feed = feedOf(def);
  const body = await ctx.client.request(
    { method: 'GET', path: feed.path, query: { limit: 1 } },
    { ...(ctx.signal ? { signal: ctx.signal } : {}), stream: def.name },
  );
  const records = isRecord(body) && Array.isArray(body[feed.recordsKey]) ? body[feed.recordsKey] : [];
  const head = (records as unknown[]).find(isRecord);
  const at = head === undefined ? undefined : eventSeconds(head);
  // An empty feed: nothing has changed yet, so the next read starts where this one did.
  const feedMark = formatToSecond((at ?? Math.floor(Date.now() / 1000)) * 1000);
  for await (const page of pages) yield { ...page, feedMark };
}
