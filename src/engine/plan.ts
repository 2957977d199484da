import { paginate } from '../api/paginators.js';
import type { ApiClient, QueryValue } from '../api/types.js';
import type { SyncState } from '../core/state.js';
import { getDefinition, type StreamName } from '../streams/definitions.js';
import type { StreamDefinition } from '../streams/types.js';
import { toMillis } from './bookmarks.js';
import {
  askedNewestFirst,
  followsChangeFeed,
  type ReadScope,
  type RefreshPolicy,
  readScope,
} from './read-scope.js';

/** One table's stats in one earlier run, as `_cio_sync_runs` keeps them. */
export interface PastRead {
  status?: string;
  read?: string;
  requests: number;
}

/** Where an estimate comes from, most trusted first. */
export type PlanSource = 'last run' | 'probe' | 'at least';

export interface TablePlan {
  name: StreamName;
  scope: ReadScope;
  requests: number;
  source: PlanSource;
}

export interface SyncPlan {
  tables: TablePlan[];
  /** Every table's requests and the key check. */
  total: number;
  /** `total` at the configured rate. */
  seconds: number;
}

export interface PlanRequest {
  names: readonly StreamName[];
  state: SyncState;
  /** Earlier runs' per-table stats, newest first. */
  history: readonly Record<string, PastRead>[];
  policy: RefreshPolicy;
  fullRefresh: boolean;
  requestsPerSecond: number;
  /** For probes (the first page of a list, the people count); undefined: history and minimums only. */
  client?: ApiClient;
  startDate?: Date;
  now: Date;
}

const DAY_MS = 86_400_000;

/**
 * What the next database sync will ask, per table: the same read (complete or partial) in the last
 * run that made one, else a cheap probe (the first page of a feed gives its rate; the workspace's
 * people count gives the customers' pages), else the least the read can take.
 */
export async function planSync(req: PlanRequest): Promise<SyncPlan> {
  const tables: TablePlan[] = [];
  const scopeOf = (name: string): ReadScope => {
    const def = getDefinition(name);
    // A table read per parent follows its parent's planned read, when the parent is read whole too.
    const table = def.partialRead?.kind === 'parents' ? def.parent?.table : undefined;
    const whole =
      table !== undefined && req.names.includes(table as StreamName) && !req.state.bookmarks[table]?.resume;
    const parent = whole ? scopeOf(table) : undefined;
    return readScope({
      definition: def,
      bookmark: req.state.bookmarks[name] ?? {},
      policy: req.policy,
      allowed: true,
      forced: req.fullRefresh,
      now: req.now,
      ...(parent ? { parent } : {}),
    });
  };
  for (const name of req.names) {
    const def = getDefinition(name);
    const scope = scopeOf(name);
    const past = lastSameRead(req.history, name, def, scope);
    if (past !== undefined) {
      tables.push({ name, scope, requests: past, source: 'last run' });
      continue;
    }
    const probed = req.client ? await probe(req.client, def, scope, req) : undefined;
    tables.push(
      probed === undefined
        ? { name, scope, requests: leastRequests(def, scope), source: 'at least' }
        : { name, scope, requests: probed, source: 'probe' },
    );
  }
  const total = 1 + tables.reduce((sum, t) => sum + t.requests, 0);
  return { tables, total, seconds: total / req.requestsPerSecond };
}

/** The requests of the newest finished read of the same kind (any kind, for a table always read whole). */
function lastSameRead(
  history: readonly Record<string, PastRead>[],
  name: string,
  def: StreamDefinition,
  scope: ReadScope,
): number | undefined {
  for (const run of history) {
    const stats = run[name];
    if (stats?.status !== 'complete' || typeof stats.requests !== 'number') continue;
    if (def.partialRead === undefined || (stats.read ?? 'complete') === scope.kind) return stats.requests;
  }
  return undefined;
}

/** The fewest requests a read can make: one page of each list it reads. */
function leastRequests(def: StreamDefinition, scope: ReadScope): number {
  if (scope.kind === 'partial' && scope.partial.kind === 'changes') return scope.partial.feed.types.length;
  if (def.reader === 'passes') return def.passes?.length ?? 1;
  if (def.reader === 'suppressions') return 4;
  if (def.reader === 'customers') return 1;
  return 1;
}

async function probe(
  client: ApiClient,
  def: StreamDefinition,
  scope: ReadScope,
  req: PlanRequest,
): Promise<number | undefined> {
  if (def.reader === 'customers') {
    const feed = followsChangeFeed(def, req.policy, true);
    return scope.kind === 'complete' ? probePeople(client, def, feed) : undefined;
  }
  const asked = askedNewestFirst(scope);
  if (asked) return probeFeed(client, def, scope, req, asked);
  if (def.timeField && def.agesOut && def.paging.kind === 'cursor') {
    return probeFeed(client, def, scope, req, { field: def.timeField });
  }
  return undefined;
}

/** Customers read completely: the ids in pages, then the people in batches of 100. */
async function probePeople(
  client: ApiClient,
  def: StreamDefinition,
  followsFeed: boolean,
): Promise<number | undefined> {
  const body = await client.request({ method: 'GET', path: '/v1/workspaces' }, { stream: 'plan' });
  const list = (body as { workspaces?: unknown }).workspaces;
  const people = Array.isArray(list) ? (list[0] as { people?: unknown } | undefined)?.people : undefined;
  if (typeof people !== 'number' || def.paging.kind !== 'cursor') return undefined;
  // A complete read that follows the change feed first notes where the feed stands.
  const feedProbe = followsFeed ? 1 : 0;
  return Math.max(1, Math.ceil(people / def.paging.pageSize)) + Math.ceil(people / 100) + feedProbe;
}

/**
 * A newest-first feed (or a list asked for newest first, `order.query`): its first page tells how
 * many records a second holds; the read covers the span from its start (the start date, the
 * partial read's instant, or as far back as the API keeps) to the newest record.
 */
async function probeFeed(
  client: ApiClient,
  def: StreamDefinition,
  scope: ReadScope,
  req: PlanRequest,
  order: { field: string; query?: Record<string, QueryValue> },
): Promise<number | undefined> {
  if (def.paging.kind !== 'cursor') return undefined;
  const pageSize = def.paging.pageSize;
  const request = order.query
    ? { ...def.request, query: { ...def.request.query, ...order.query } }
    : def.request;
  const pages = paginate(client, request, def.recordsKey, def.paging, { stream: 'plan' });
  const first = await pages.next();
  await pages.return(undefined);
  if (first.done) return 1;
  const field = order.field;
  const times = first.value.records
    .map((r) => toMillis((r as Record<string, unknown>)[field]))
    .filter((t): t is number => t !== undefined);
  if (first.value.next === null || times.length < 2) return 1;
  const newest = Math.max(...times);
  const oldest = Math.min(...times);
  const perMs = times.length / Math.max(1000, newest - oldest);
  const kept = def.agesOut ? newest - (def.keptDays ?? 180) * DAY_MS : Number.NEGATIVE_INFINITY;
  // A list asked for newest first is read down to the window, whatever the start date.
  const start = order.query ? undefined : req.startDate?.getTime();
  const from = Math.max(kept, start ?? kept, scope.kind === 'partial' ? scope.since.getTime() : kept);
  if (!Number.isFinite(from)) return undefined;
  const records = perMs * Math.max(0, newest - from);
  // A partial read of a feed without a time filter asks one page past what it needs.
  const extra = scope.kind === 'partial' && scope.partial.kind === 'head' ? 1 : 0;
  return Math.max(1, Math.ceil(records / pageSize)) + extra;
}
