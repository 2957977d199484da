/**
 * The seeded world: small resources in memory, big ones (messages, customers, activities,
 * suppressions) generated from their index. `truth()` lists exactly what the endpoints serve.
 * An empty world has the same tables with nothing in them (advances keep it empty: they add a
 * fraction of each table's initial size).
 */

import { ActivityTable } from './activities.js';
import type { CatalogSpec } from './catalog.js';
import { CATALOG, CATALOG_NAMES, type CatalogName, type CatalogTruth } from './catalog-tables.js';
import { ChildTables, type ChildTruth } from './children.js';
import { catalogScale, DAY, scaled, type WorldContext } from './context.js';
import { CustomerTable } from './customers.js';
import { MessageTable } from './messages.js';
import { MetricsIndex } from './metrics.js';
import { type MetricsTruth, metricsTruth } from './metrics-truth.js';
import { ObjectTables, type ObjectTruth } from './objects.js';
import { PageCache } from './page-cache.js';
import { Rng } from './prng.js';
import { SuppressionTable, suppressionCount } from './suppressions.js';
import { Timeline } from './timeline.js';
import {
  type JsonObject,
  SUPPRESSION_TYPES,
  type SuppressionType,
  type WorldKind,
  type WorldOptions,
} from './types.js';
import { IP_ADDRESSES } from './workspace.js';

export const DEFAULT_NOW = 1_767_225_600;

/**
 * The exact records each endpoint serves right now, in the order a default request lists them:
 * one list per CATALOG entry, and the big and special resources.
 */
export type GroundTruth = CatalogTruth &
  /** Child records, each with its parent's key (see children.ts), and objects (objects.ts). */
  ChildTruth &
  ObjectTruth &
  MetricsTruth & {
    // sender_identities (in CatalogTruth) holds every sender, hidden ones included, each with its
    // `hidden` flag: the union of the list without and with `hidden=true`.
    /** The people, as POST /v1/customers/attributes returns each (inside `customer` in spec shapes). */
    customers: JsonObject[];
    messages: JsonObject[];
    activities: JsonObject[];
    ip_addresses: string[];
    suppressions: Record<SuppressionType, JsonObject[]>;
  };

/** Which records of a resource that hides some (sender identities) a list serves. */
export type HiddenFilter = 'visible' | 'hidden' | 'all';

export interface CatalogTable {
  spec: CatalogSpec;
  /** In listing order (creation order; ids ascend). */
  records: JsonObject[];
  /** Size at creation, the base for `addFraction`. */
  initialCount: number;
  /** Next record number for `spec.make`. */
  nextK: number;
}

export class World {
  readonly ctx: WorldContext;
  /** Bumped by every change to the world (advance): whatever caches served data keys on it. */
  version = 0;
  /** Recently served feed pages, valid for one version (see page-cache.ts). */
  readonly pages = new PageCache(4);
  readonly catalog: Record<CatalogName, CatalogTable>;
  readonly customers: CustomerTable;
  readonly messages: MessageTable;
  readonly activities: ActivityTable;
  readonly suppressions: Record<SuppressionType, SuppressionTable>;
  readonly kind: WorldKind;
  readonly children: ChildTables;
  readonly objects: ObjectTables;
  /** Daily delivery metrics, counted from the messages (metrics.ts). */
  readonly metrics: MetricsIndex;

  constructor(seed: number, scale: number, start: number = DEFAULT_NOW, opts: WorldOptions = {}) {
    this.kind = opts.world ?? 'seeded';
    this.ctx = {
      seed,
      scale,
      catalogScale: catalogScale(scale, opts.catalogGrowth ?? 'sqrt'),
      timeline: new Timeline(seed, start),
      start,
      refs: { campaigns: [], broadcasts: [], newsletters: [], transactional: [] },
      shapes: opts.shapes ?? 'live',
    };
    const size = (count: number) => (this.kind === 'empty' ? 0 : count);
    const catalog: Partial<Record<CatalogName, CatalogTable>> = {};
    for (const name of CATALOG_NAMES) catalog[name] = this.buildCatalog(name, CATALOG[name], size);
    this.catalog = catalog as Record<CatalogName, CatalogTable>;
    this.collectRefs();

    this.customers = new CustomerTable(this.ctx, size(scaled(600, scale)));
    this.messages = new MessageTable(this.ctx, size(scaled(2500, scale)), this.customers);
    this.activities = new ActivityTable(this.ctx, size(scaled(400, scale)), this.customers);
    const suppressions: Partial<Record<SuppressionType, SuppressionTable>> = {};
    for (const type of SUPPRESSION_TYPES) {
      suppressions[type] = new SuppressionTable(
        this.ctx,
        type,
        size(suppressionCount(type, this.ctx.catalogScale)),
      );
    }
    this.suppressions = suppressions as Record<SuppressionType, SuppressionTable>;
    this.children = new ChildTables(seed, this.catalog, this.customers, start);
    this.objects = new ObjectTables(seed, scale, this.catalog.object_types, this.customers, start);
    this.metrics = new MetricsIndex(this.messages, () => this.version);
  }

  get now(): number {
    return this.ctx.timeline.now;
  }

  /** Call before changing anything in the world: drops every cached answer. */
  changing(): void {
    this.version++;
    this.pages.clear(this.version);
  }

  private buildCatalog(name: CatalogName, spec: CatalogSpec, size: (count: number) => number): CatalogTable {
    const count = size(spec.fixedSize ? spec.baseCount : scaled(spec.baseCount, this.ctx.catalogScale));
    const records: JsonObject[] = [];
    // Creation times ascend with k, so ids and creation order agree, as in a real account.
    const span = 400 * DAY;
    for (let k = 0; k < count; k++) {
      const rng = Rng.for(this.ctx.seed, 'catalog', name, k);
      const created = this.ctx.start - span + Math.floor(((k + rng.next()) * (span - 2 * DAY)) / count);
      const updated = rng.chance(0.2) ? created : rng.int(created, this.ctx.start - 60);
      records.push(spec.make(this.ctx, k, created, updated, rng));
    }
    return { spec, records, initialCount: count, nextK: count };
  }

  private collectRefs(): void {
    const ids = (value: unknown): number[] =>
      Array.isArray(value)
        ? value.flatMap((a) =>
            a && typeof a === 'object' && 'id' in a && typeof a.id === 'number' ? [a.id] : [],
          )
        : [];
    const refs = this.ctx.refs;
    for (const c of this.catalog.campaigns.records) {
      refs.campaigns.push({
        id: c.id as number,
        actionIds: ids(c.actions),
        eventTriggered: 'event_name' in c,
      });
    }
    for (const b of this.catalog.broadcasts.records) {
      refs.broadcasts.push({ id: b.id as number, actionIds: ids(b.actions) });
    }
    for (const n of this.catalog.newsletters.records) {
      const contentIds = Array.isArray(n.content_ids)
        ? n.content_ids.filter((x) => typeof x === 'number')
        : [];
      refs.newsletters.push({ id: n.id as number, contentIds });
    }
    for (const t of this.catalog.transactional.records) refs.transactional.push({ id: t.id as number });
  }

  /**
   * The records of a small resource, in listing order (live counts filled in); for a resource
   * that hides some, `which` of them: every one by default, as the ground truth holds them.
   */
  list(name: CatalogName, which: HiddenFilter = 'all'): JsonObject[] {
    const { records, spec } = this.catalog[name];
    const isHidden = spec.hidden;
    if (isHidden !== undefined && which !== 'all') {
      return records.filter((r) => isHidden(r) === (which === 'hidden'));
    }
    if (name === 'workspaces') {
      // The first workspace is the one the token belongs to: its counts follow the world.
      return records.map((r, i) =>
        i === 0
          ? {
              ...r,
              people: this.customers.liveCount(),
              object_types: this.catalog.object_types.records.length,
            }
          : r,
      );
    }
    return records;
  }

  /** Customer.io's own addresses; an empty world lists none, like every other list. */
  ipAddresses(): string[] {
    return this.kind === 'empty' ? [] : [...IP_ADDRESSES];
  }

  /** `segmentMembers: false` leaves segment_members empty (see ChildTables.truth). */
  truth(options: { segmentMembers?: boolean } = {}): GroundTruth {
    const messages: JsonObject[] = [];
    const m = this.messages.range(undefined, undefined);
    for (let i = m.hiExclusive - 1; i >= m.lo; i--) {
      const record = this.messages.get(i);
      if (record) messages.push(record);
    }
    const activities: JsonObject[] = [];
    const a = this.activities.range();
    for (let i = a.hiExclusive - 1; i >= a.lo; i--) {
      const record = this.activities.get(i);
      if (record) activities.push(record);
    }
    const customers: JsonObject[] = [];
    for (let i = 0; i < this.customers.table.rawCount(); i++) {
      const record = this.customers.get(i);
      if (record) customers.push(record);
    }
    const suppressions: Partial<Record<SuppressionType, JsonObject[]>> = {};
    for (const type of SUPPRESSION_TYPES) {
      const table = this.suppressions[type];
      const rows: JsonObject[] = [];
      for (let i = 0; i < table.table.rawCount(); i++) {
        const record = table.get(i);
        if (record) rows.push(record);
      }
      suppressions[type] = rows;
    }
    const catalog: Partial<CatalogTruth> = {};
    for (const name of CATALOG_NAMES) catalog[name] = structuredClone(this.list(name));
    return {
      ...(catalog as CatalogTruth),
      ...this.children.truth({ members: options.segmentMembers ?? true }),
      ...this.objects.truth(),
      ...metricsTruth({
        metrics: this.metrics,
        now: this.now,
        start: this.ctx.start,
        parents: (kind) => structuredClone(this.list(kind)),
        children: (kind, parentId) => this.children.of(kind, parentId) ?? [],
      }),
      customers,
      messages,
      activities,
      ip_addresses: this.ipAddresses(),
      suppressions: suppressions as Record<SuppressionType, JsonObject[]>,
    };
  }
}
