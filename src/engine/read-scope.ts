import type { QueryValue } from '../api/types.js';
import type { StreamBookmark } from '../core/state.js';
import type { PartialRead, StreamDefinition } from '../streams/types.js';
import { toMillis } from './bookmarks.js';

const DAY_MS = 86_400_000;

/** What decides between a complete and a partial read, from the settings. */
export interface RefreshPolicy {
  /** A complete read once the last one is this many days old; 0: every read is complete. */
  fullRefreshDays: number;
  /** The settings table entries name (`messages_rescan_days`, `customers_refresh`), by name. */
  settings: Readonly<Record<string, unknown>>;
}

/** Whether a table follows its change feed (a `changes` PartialRead whose setting says so). */
export function followsChangeFeed(def: StreamDefinition, policy: RefreshPolicy, allowed: boolean): boolean {
  const partial = def.partialRead;
  return allowed && partial?.kind === 'changes' && policy.settings[partial.enabledBy] === 'changes';
}

/** Which records a read asks for: all of them, or those changed since `since`. */
export type ReadScope =
  | { kind: 'complete'; reason: string }
  | { kind: 'partial'; since: Date; partial: PartialRead };

export interface ScopeInput {
  definition: StreamDefinition;
  bookmark: StreamBookmark;
  policy: RefreshPolicy;
  /** The destination may read partially (databases; a protocol stream selected as incremental). */
  allowed: boolean;
  /** `--full-refresh`: a complete read whatever the state says. */
  forced: boolean;
  now: Date;
  /**
   * A table read per parent (PartialRead `parents`): the scope of the parent table's read in this
   * run, when it finished whole (undefined: not in the run, failed, or resumed).
   */
  parent?: ReadScope;
}

function complete(reason: string): ReadScope {
  return { kind: 'complete', reason };
}

/**
 * Decides how the next read of a table goes. A partial read needs a complete one that is recent
 * enough and, depending on the table, the newest time loaded or the start of the last read; without
 * them, or when forced, the read is complete. A resumed read keeps the scope it started with.
 */
export function readScope(input: ScopeInput): ReadScope {
  const { definition: def, bookmark, policy, now } = input;
  const partial = def.partialRead;
  if (partial?.kind === 'parents') return scopeOfChildren(input, partial);
  const resumedSince = toMillis(bookmark.resume?.since);
  if (partial !== undefined && bookmark.resume !== undefined) {
    return resumedSince === undefined
      ? complete('continuing an interrupted complete read')
      : { kind: 'partial', since: new Date(resumedSince), partial };
  }
  if (partial === undefined || !input.allowed) return complete('the table is always read completely');
  if (input.forced) return complete('--full-refresh');
  if (partial.kind === 'changes' && !followsChangeFeed(def, policy, true)) {
    return complete(`${partial.enabledBy} is not "changes"`);
  }
  const stale = staleness(bookmark, policy, now);
  if (stale !== undefined) return complete(stale);
  const since = sinceFor(partial, bookmark, policy, now);
  return typeof since === 'string' ? complete(since) : { kind: 'partial', since, partial };
}

/** Why the last complete read is too old (or missing) for a partial read; undefined when it is recent. */
function staleness(bookmark: StreamBookmark, policy: RefreshPolicy, now: Date): string | undefined {
  const lastFull = toMillis(bookmark.last_full_read_at);
  if (lastFull === undefined) return 'no complete read yet';
  const age = now.getTime() - lastFull;
  if (age < policy.fullRefreshDays * DAY_MS) return undefined;
  return `the last complete read is ${formatDays(age)} old (full_refresh_days ${policy.fullRefreshDays})`;
}

/**
 * A table read per parent reads partially only while its parent's read in this run was partial
 * (it then reads the parents that read returned), and an interrupted partial read goes on only
 * then: any other read is complete and starts at the first parent. Its `since` is the parent's.
 */
function scopeOfChildren(input: ScopeInput, partial: PartialRead): ReadScope {
  const { bookmark, parent } = input;
  const resume = bookmark.resume;
  const resumedSince = toMillis(resume?.since);
  if (resume !== undefined && resumedSince === undefined)
    return complete('continuing an interrupted complete read');
  if (!input.allowed) return complete('the table is always read completely');
  if (input.forced) return complete('--full-refresh');
  const table = input.definition.parent?.table ?? 'the parent table';
  if (parent === undefined) return complete(`${table} was not read whole in this run`);
  if (parent.kind === 'complete') return complete(`${table} was read completely`);
  if (resumedSince !== undefined) return { kind: 'partial', since: new Date(resumedSince), partial };
  const stale = staleness(bookmark, input.policy, input.now);
  return stale === undefined ? { kind: 'partial', since: parent.since, partial } : complete(stale);
}

/** Where a partial read starts, or why there can be none. */
function sinceFor(
  partial: PartialRead,
  bookmark: StreamBookmark,
  policy: RefreshPolicy,
  now: Date,
): Date | string {
  if (partial.kind === 'changes') {
    const lastRead = toMillis(bookmark.last_read_started_at);
    if (lastRead === undefined) return 'no read has finished yet';
    if (now.getTime() - lastRead >= partial.retentionDays * DAY_MS) {
      return `the last read is older than the ${partial.retentionDays} days its change feed keeps`;
    }
    // Where the feed stood when the last read began (in the API's clock, not ours).
    const mark = toMillis(bookmark.newest_time);
    if (mark === undefined) return 'no change feed position saved yet';
    return new Date(mark - partial.overlapSeconds * 1000);
  }
  if (partial.kind === 'parents') return 'no parent read to follow';
  const newest = toMillis(bookmark.newest_time);
  if (newest === undefined) return 'nothing loaded to read on from';
  const days = partial.lookbackDaysSetting ? Number(policy.settings[partial.lookbackDaysSetting] ?? 0) : 0;
  const overlap = partial.kind === 'head' ? partial.overlapSeconds * 1000 : 0;
  return new Date(newest - overlap - days * DAY_MS);
}

/**
 * The time field a table's reads track (its newest value is where a partial read starts): the
 * table's `timeField`, or the field a head read that asks for newest first is ordered by.
 */
export function trackedTimeField(def: StreamDefinition): string | undefined {
  const partial = def.partialRead;
  return def.timeField ?? (partial?.kind === 'head' ? partial.askNewestFirst?.field : undefined);
}

/** How a partial head read that asks for newest first asks, when this read is one. */
export function askedNewestFirst(
  scope: ReadScope,
): { query: Record<string, QueryValue>; field: string } | undefined {
  return scope.kind === 'partial' && scope.partial.kind === 'head' ? scope.partial.askNewestFirst : undefined;
}

function formatDays(ms: number): string {
  const days = ms / DAY_MS;
  return days >= 1 ? `${days.toFixed(1)} days` : `${(ms / 3_600_000).toFixed(1)} hours`;
}

/**
 * What the bookmark of a table that can read partially keeps about a finished read, for the next:
 * which read it was, when it began, when the last complete one began, and the newest time loaded
 * (or where the change feed stood).
 */
export function readRecord(
  scope: ReadScope,
  saved: StreamBookmark,
  readStartedAt: Date,
  newestSeen: string | undefined,
): StreamBookmark {
  const started = readStartedAt.toISOString();
  const full = scope.kind === 'complete';
  const lastFull = full ? started : saved.last_full_read_at;
  // A partial read saw only the recent records: the newest loaded may be older than it saw.
  const newest = full ? newestSeen : newerOf(saved.newest_time, newestSeen);
  return {
    last_read: scope.kind,
    last_read_started_at: started,
    ...(lastFull ? { last_full_read_at: lastFull } : {}),
    ...(newest ? { newest_time: newest } : {}),
  };
}

/** The later of two optional instants. */
export function latestOf(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/** The newer of two optional RFC 3339 instants. */
export function newerOf(a: string | undefined, b: string | undefined): string | undefined {
  const am = toMillis(a);
  const bm = toMillis(b);
  if (am === undefined) return b;
  if (bm === undefined) return a;
  return bm > am ? b : a;
}
