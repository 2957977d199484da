import { setMaxListeners } from 'node:events';
import { paginate } from '../../api/paginators.js';
import type { ApiRequest } from '../../api/types.js';
import { CioError, isCioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { DateTime } from '../../core/time.js';
import { getDefinition } from '../definitions.js';
import {
  DAY_MS,
  easternDayStart,
  easternSeriesDays,
  easternWindowStart,
  httpDateMs,
  utcDayStart,
  v2Day,
  v2Windows,
} from '../metrics/days.js';
import type { ParentKey, ParentLink, ReadContext, Row, StreamDefinition, StreamReader } from '../types.js';
import { compareKeys, parentOrder, parentPositionFrom } from './parent-child.js';

/** The default trailing window re-read every sync (setting `metrics_window_days`). */
export const DEFAULT_METRICS_WINDOW_DAYS = 45;

/** Version 1 answers at most 45 days (docs/customerio-beyond.md E.2). */
const V1_STEPS = 45;

/** A parent as the metrics reader needs it: its key and the start of the day it was created. */
interface Parent {
  key: ParentKey;
  createdMs: number | undefined;
}

/** One metrics endpoint to read: its path, the key columns its rows carry, its creation time. */
interface Target {
  path: string;
  keys: Row;
  createdMs: number | undefined;
}

function createdMsOf(record: Record<string, unknown>): number | undefined {
  const at = record.created ?? record.created_at;
  return typeof at === 'number' && Number.isFinite(at) ? at * 1000 : undefined;
}

function linkOf(def: StreamDefinition): ParentLink {
  if (def.parent === undefined || def.metrics === undefined) {
    throw new CioError('CIO_ERR_INTERNAL', `${def.name} is read as metrics but names no parent or version`);
  }
  return def.parent;
}

/**
 * The parent table's rows (one list read: the keys alone, as other tables pass them, lack
 * `created`), and the API's clock when it answered (`Date`): "today" for every window of the read.
 */
async function listParents(
  def: StreamDefinition,
  link: ParentLink,
  ctx: ReadContext,
): Promise<{ parents: Parent[]; date: string | undefined }> {
  const parent = getDefinition(link.table);
  const field = parent.primaryKey[0] as string;
  const created = new Map<ParentKey, number | undefined>();
  let date: string | undefined;
  const pages = paginate(ctx.client, parent.request, parent.recordsKey, parent.paging, {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    stream: def.name,
    onDate: (value) => {
      date ??= value;
    },
  });
  for await (const page of pages) {
    for (const record of page.records) {
      if (!isRecord(record)) continue;
      const key = record[field];
      if (typeof key === 'number' || typeof key === 'string') created.set(key, createdMsOf(record));
    }
  }
  const parents = parentOrder([...created.keys()]).map((key) => ({ key, createdMs: created.get(key) }));
  return { parents, date };
}

/** The series of an answer: `metric.series` (every metrics endpoint), arrays of counts by name. */
function seriesOf(body: unknown): Record<string, unknown[]> {
  const metric = isRecord(body) ? body.metric : undefined;
  return countsOf(isRecord(metric) ? metric.series : undefined);
}

/**
 * Each language variant's series (`language_variants`, keyed by the variant's action id): the
 * series sits in the value itself (E.3), or under `metric` should an answer wrap it.
 */
function variantsOf(body: unknown): { id: number; language: string; series: Record<string, unknown[]> }[] {
  const variants = isRecord(body) ? body.language_variants : undefined;
  if (!isRecord(variants)) return [];
  return Object.entries(variants).flatMap(([id, value]) => {
    if (!isRecord(value) || !/^\d+$/.test(id)) return [];
    const series = value.series ?? (isRecord(value.metric) ? value.metric.series : undefined);
    const language = typeof value.language === 'string' ? value.language : '';
    return [{ id: Number(id), language, series: countsOf(series) }];
  });
}

/** The links of a link metrics answer: `links[]` of `{link: {id, href}, metric: {series}}`. */
function linksOf(body: unknown): { id: number | string; href: unknown; metric: unknown }[] {
  const links = isRecord(body) ? body.links : undefined;
  if (!Array.isArray(links)) return [];
  return links.flatMap((item) => {
    const link = isRecord(item) && isRecord(item.link) ? item.link : undefined;
    const id = link?.id;
    if (typeof id !== 'number' && typeof id !== 'string') return [];
    return [{ id, href: link?.href ?? null, metric: isRecord(item) ? item.metric : undefined }];
  });
}

function countsOf(series: unknown): Record<string, unknown[]> {
  if (!isRecord(series)) return {};
  const out: Record<string, unknown[]> = {};
  for (const [name, values] of Object.entries(series)) if (Array.isArray(values)) out[name] = values;
  return out;
}

/** The number of elements an answer's series hold (the longest, should they differ). */
function lengthOf(series: Record<string, unknown[]>): number {
  return Object.values(series).reduce((max, values) => Math.max(max, values.length), 0);
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
}

/** What one read of the table shares: the run's window and the once-only warnings. */
class MetricsRun {
  private readonly warned = new Set<string>();
  /** The answer's clock (`Date` header) of the first answer: every window of the read ends that day. */
  nowMs: number | undefined;

  constructor(
    readonly def: StreamDefinition,
    readonly link: ParentLink,
    readonly ctx: ReadContext,
    readonly signal: AbortSignal,
  ) {}

  get windowDays(): number {
    return Math.max(1, this.ctx.metricsWindowDays ?? DEFAULT_METRICS_WINDOW_DAYS);
  }

  warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.ctx.onWarning?.(`${this.def.name}: ${message} (said once per read)`);
  }

  /** Sends one metrics request; undefined when the parent answered 404 (deleted meanwhile). */
  async get(path: string, query: ApiRequest['query']): Promise<{ body: unknown; nowMs: number } | undefined> {
    let date: string | undefined;
    let body: unknown;
    try {
      body = await this.ctx.client.request(
        { method: 'GET', path, ...(query ? { query } : {}) },
        { signal: this.signal, stream: this.def.name, onDate: (value) => (date = value) },
      );
    } catch (error) {
      if (isCioError(error) && error.status === 404) return undefined;
      throw error;
    }
    return { body, nowMs: this.clock(date) };
  }

  /** The API's clock from an answer's `Date` header; the local clock (said once) when it sent none. */
  clock(date: string | undefined): number {
    const nowMs = httpDateMs(date);
    if (nowMs !== undefined) return nowMs;
    this.warnOnce('date', 'an answer had no Date header; the local clock stands in for the API clock');
    return Date.now();
  }

  /** The first day of the trailing window re-read every sync, in the table's days. */
  windowStart(nowMs: number): number {
    return this.def.metrics?.version === 2
      ? utcDayStart(nowMs) - (this.windowDays - 1) * DAY_MS
      : easternWindowStart(nowMs, this.windowDays);
  }

  row(keys: Row, day: number, series: Record<string, unknown[]>, index: number, fetchedAt: DateTime): Row {
    const row: Row = { ...keys, period_start: DateTime.fromUnixSeconds(day / 1000), fetched_at: fetchedAt };
    for (const [name, values] of Object.entries(series)) row[name] = count(values[index]);
    return row;
  }

  /** An answer's series: `journey_metric` for journey metrics, `metric.series` elsewhere. */
  seriesIn(body: unknown): Record<string, unknown[]> {
    if (this.def.metrics?.journeys !== true) return seriesOf(body);
    return countsOf(isRecord(body) ? body.journey_metric : undefined);
  }

  /** The rows of one answer's day `index`: the series' own, then one per language variant. */
  rowsAt(target: Target, body: unknown, day: number, index: number, fetchedAt: DateTime): Row[] {
    const own = this.row(target.keys, day, this.seriesIn(body), index, fetchedAt);
    const child = this.def.metrics?.perChild?.keyColumn;
    if (this.def.metrics?.variants !== true || child === undefined) return [own];
    const rows: Row[] = [{ ...own, variant_action_id: target.keys[child], language: null }];
    for (const variant of variantsOf(body)) {
      const keys = { ...target.keys, variant_action_id: variant.id, language: variant.language };
      rows.push(this.row(keys, day, variant.series, index, fetchedAt));
    }
    return rows;
  }

  /** The metrics endpoints of a parent: its own, or (per action) one per action it lists. */
  async targetsOf(parent: Parent): Promise<Target[] | undefined> {
    const parentPath = (path: string) =>
      path.replace(`{${this.link.keyColumn}}`, encodeURIComponent(String(parent.key)));
    const base = { [this.link.keyColumn]: parent.key };
    const perChild = this.def.metrics?.perChild;
    if (perChild === undefined) {
      return [{ path: parentPath(this.def.request.path), keys: base, createdMs: parent.createdMs }];
    }
    const children = getDefinition(perChild.table);
    const targets: Target[] = [];
    const pages = paginate(
      this.ctx.client,
      { ...children.request, path: parentPath(children.request.path) },
      children.recordsKey,
      children.paging,
      { signal: this.signal, stream: this.def.name },
    );
    try {
      for await (const page of pages) {
        for (const record of page.records) {
          if (!isRecord(record)) continue;
          // Live sends a campaign action's id as a string of digits.
          const id = typeof record.id === 'string' && /^\d+$/.test(record.id) ? Number(record.id) : record.id;
          if (typeof id !== 'number' && typeof id !== 'string') continue;
          const path = parentPath(this.def.request.path).replace(
            `{${perChild.keyColumn}}`,
            encodeURIComponent(String(id)),
          );
          const keys = { ...base, [perChild.keyColumn]: id };
          targets.push({ path, keys, createdMs: createdMsOf(record) ?? parent.createdMs });
        }
      }
    } catch (error) {
      if (isCioError(error) && error.status === 404) return undefined;
      throw error;
    }
    return targets;
  }

  /** Link metrics: both answers (`unique=false`, `unique=true`), one row per link and day. */
  async readLinks(target: Target): Promise<Row[] | undefined> {
    const all = await this.get(target.path, { period: 'days', steps: V1_STEPS, unique: 'false' });
    const unique = await this.get(target.path, { period: 'days', steps: V1_STEPS, unique: 'true' });
    if (all === undefined || unique === undefined) return undefined;
    const from = Math.max(this.windowStart(all.nowMs), this.firstDay(target, easternDayStart));
    const fetchedAt = DateTime.fromUnixSeconds(Math.floor(all.nowMs / 1000));
    const rows = new Map<string, Row>();
    for (const [answer, prefix] of [
      [all, ''],
      [unique, 'unique_'],
    ] as const) {
      for (const item of linksOf(answer.body)) {
        const series = countsOf(isRecord(item.metric) ? item.metric.series : undefined);
        const length = lengthOf(series);
        if (length !== V1_STEPS && length !== 0) this.warnLength(length, V1_STEPS);
        easternSeriesDays(answer.nowMs, length).forEach((day, i) => {
          if (day < from) return;
          const id = `${String(item.id)}|${day}`;
          const row = rows.get(id) ?? {
            ...target.keys,
            link_id: item.id,
            period_start: DateTime.fromUnixSeconds(day / 1000),
            href: item.href,
            fetched_at: fetchedAt,
          };
          for (const [name, values] of Object.entries(series)) row[`${prefix}${name}`] = count(values[i]);
          rows.set(id, row);
        });
      }
    }
    return [...rows.values()];
  }

  warnLength(length: number, asked: number): void {
    this.warnOnce(
      'length',
      `a version-1 answer held ${length} days where ${asked} were asked for; its days were counted back from today`,
    );
  }

  /** Every row of a parent, or undefined when it (or its list of actions) answered 404. */
  async readParent(parent: Parent): Promise<Row[] | undefined> {
    const targets = await this.targetsOf(parent);
    if (targets === undefined) return undefined;
    const rows: Row[] = [];
    for (const target of targets) {
      const read = this.def.metrics?.links
        ? await this.readLinks(target)
        : this.def.metrics?.version === 2
          ? await this.readV2(target)
          : await this.readV1(target);
      // The parent's own metrics answered 404: the parent is gone. An action deleted meanwhile
      // only loses its own rows, at this complete read.
      if (read === undefined && this.def.metrics?.perChild === undefined) return undefined;
      if (read !== undefined) rows.push(...read);
    }
    return rows;
  }

  /** The first day a target may have rows: its created day, the start date's, whichever is later. */
  firstDay(parent: Target, dayOf: (ms: number) => number): number {
    const bounds = [parent.createdMs, this.ctx.startDate?.getTime()].filter(
      (ms): ms is number => ms !== undefined,
    );
    return bounds.length === 0 ? Number.NEGATIVE_INFINITY : dayOf(Math.max(...bounds));
  }

  /** Version 1: the last 45 days in one answer, the last element today (Eastern). */
  async readV1(target: Target): Promise<Row[] | undefined> {
    const answer = await this.get(target.path, { period: 'days', steps: V1_STEPS });
    if (answer === undefined) return undefined;
    const series = seriesOf(answer.body);
    const length = lengthOf(series);
    if (length !== V1_STEPS && length !== 0) this.warnLength(length, V1_STEPS);
    const days = easternSeriesDays(answer.nowMs, length);
    const from = Math.max(this.windowStart(answer.nowMs), this.firstDay(target, easternDayStart));
    const fetchedAt = DateTime.fromUnixSeconds(Math.floor(answer.nowMs / 1000));
    const rows: Row[] = [];
    days.forEach((day, i) => {
      if (day >= from) rows.push(...this.rowsAt(target, answer.body, day, i, fetchedAt));
    });
    return rows;
  }

  /** Version 2: explicit UTC-day windows from the first day wanted to today, inclusive. */
  async readV2(target: Target): Promise<Row[] | undefined> {
    // Today per the API: its clock when it listed the parents.
    const nowMs = this.nowMs ?? Date.now();
    const backfill = this.ctx.completedBefore !== true;
    const from = Math.max(
      this.firstDay(target, utcDayStart),
      backfill ? Number.NEGATIVE_INFINITY : this.windowStart(nowMs),
    );
    // A parent with neither a created time nor a start date: the trailing window only.
    const first = Number.isFinite(from) ? from : this.windowStart(nowMs);
    const rows: Row[] = [];
    for (const window of v2Windows(first, nowMs)) {
      const range = { start: window.start, end: window.end };
      const query = this.def.metrics?.journeys
        ? { ...range, resolution: 'days' }
        : { version: 2, res: 'days', tz: 'UTC', ...range };
      const answer = await this.get(target.path, query);
      if (answer === undefined) return undefined;
      const length = lengthOf(this.seriesIn(answer.body));
      if (length !== window.days && length !== 0) {
        this.warnOnce(
          'length',
          `a version-2 answer held ${length} days where ${window.days} were asked for; element i was taken as start + i days`,
        );
      }
      const fetchedAt = DateTime.fromUnixSeconds(Math.floor(answer.nowMs / 1000));
      const today = utcDayStart(answer.nowMs);
      for (let i = 0; i < length; i++) {
        const day = v2Day(window, i);
        if (day <= today) rows.push(...this.rowsAt(target, answer.body, day, i, fetchedAt));
      }
    }
    return rows;
  }
}

const ignore = (): void => {};

/** Whole parents per page: a page is a transaction (databases) or a STATE message (protocols). */
const GROUP_ROWS = 2000;
const GROUP_PARENTS = 50;

/**
 * The reader of the metrics tables (docs/streams.md, "Metrics tables"): for each parent, in key
 * order, `ctx.concurrency` at a time, one row per day of its trailing window (the whole history
 * since its created day on a version-2 table's first sync). A page's position is the last parent
 * read whole, as for the structure tables; `coveredFrom` tells the engine where the window starts,
 * so older rows, which this read does not see, stay live (they are final).
 */
export const readMetrics: StreamReader = async function* readMetrics(def, ctx) {
  const link = linkOf(def);
  const from = parentPositionFrom(ctx.resume, def.name);
  const resumeAfter = from?.after_parent ?? null;
  const listed = await listParents(def, link, ctx);
  const all = listed.parents;
  const parents = all.filter((p) => resumeAfter === null || compareKeys(p.key, resumeAfter) > 0);
  const progress = (read: number) => ({ done: all.length - parents.length + read, total: all.length });
  const stop = new AbortController();
  const signal = ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]);
  setMaxListeners(0, signal);
  const run = new MetricsRun(def, link, ctx, signal);
  run.nowMs = run.clock(listed.date);
  const readOne = (p: Parent) => run.readParent(p);
  const covered = () => {
    const now = run.nowMs ?? Date.now();
    // Per action: an action gone takes its old rows with it, even while its parent stays.
    const groupColumn = def.metrics?.perChild?.keyColumn ?? link.keyColumn;
    return { column: 'period_start', from: new Date(run.windowStart(now)), groupColumn };
  };
  if (parents.length === 0) {
    yield { rows: [], position: null, parents: progress(0), covered: covered() };
    return;
  }
  const width = Math.max(1, ctx.concurrency);
  const reads = new Map<number, Promise<Row[] | undefined>>();
  const start = (i: number): void => {
    if (i >= parents.length) return;
    const read = readOne(parents[i] as Parent);
    read.catch(ignore);
    reads.set(i, read);
  };
  for (let i = 0; i < width; i++) start(i);
  let group: Row[] = [];
  let grouped = 0;
  try {
    for (let i = 0; i < parents.length; i++) {
      const read = await (reads.get(i) as Promise<Row[] | undefined>);
      reads.delete(i);
      start(i + width);
      const parent = parents[i] as Parent;
      if (read === undefined) {
        ctx.onWarning?.(
          `${def.name}: ${link.table} ${String(parent.key)} no longer exists (404); its rows are marked deleted.`,
        );
      } else {
        group = group.concat(read);
      }
      grouped++;
      const last = i === parents.length - 1;
      if (last || group.length >= GROUP_ROWS || grouped >= GROUP_PARENTS) {
        yield {
          rows: group,
          position: last ? null : { after_parent: parent.key },
          parents: progress(i + 1),
          covered: covered(),
        };
        group = [];
        grouped = 0;
      }
    }
  } finally {
    stop.abort();
    for (const read of reads.values()) await read.catch(ignore);
  }
};
