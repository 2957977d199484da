/**
 * Time advance: moves "now" forward, edits, adds and deletes records. Small tables change in
 * place (exactly round(fraction x size) records, at least one when the fraction is > 0, chosen by
 * a seeded shuffle); big tables record an epoch whose effect each record derives from a hash
 * (see indexed-table.ts), so their counts are close to, not exactly, the fractions.
 */
import { CATALOG_NAMES } from './catalog-tables.js';
import type { World } from './data.js';
import type { IndexedTable } from './indexed-table.js';
import { Rng } from './prng.js';
import type { Epoch } from './timeline.js';
import { type AdvanceOptions, type AdvanceResult, type ChangeCounts, SUPPRESSION_TYPES } from './types.js';

export const ADVANCE_DEFAULTS = {
  seconds: 3600,
  updateFraction: 0.1,
  addFraction: 0.05,
  deleteFraction: 0.02,
};

function fraction(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new RangeError(`${name} must be a number between 0 and 1`);
  }
  return v;
}

function share(f: number, n: number): number {
  return f > 0 && n > 0 ? Math.min(n, Math.max(1, Math.round(f * n))) : 0;
}

export function advanceWorld(world: World, opts: AdvanceOptions = {}): AdvanceResult {
  const seconds = opts.seconds ?? ADVANCE_DEFAULTS.seconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
    throw new RangeError('seconds must be a non-negative integer');
  }
  const update = fraction('updateFraction', opts.updateFraction, ADVANCE_DEFAULTS.updateFraction);
  const add = fraction('addFraction', opts.addFraction, ADVANCE_DEFAULTS.addFraction);
  const del = fraction('deleteFraction', opts.deleteFraction, ADVANCE_DEFAULTS.deleteFraction);

  world.changing();
  const epoch = world.ctx.timeline.begin(seconds, update, add, del);
  const changes: Record<string, ChangeCounts> = {};

  for (const name of CATALOG_NAMES) {
    const table = world.catalog[name];
    const { spec, records } = table;
    const rng = Rng.for(world.ctx.seed, 'advance', name, epoch.n);
    const order = rng.sample(
      records.map((_, i) => i),
      records.length,
    );
    const deleted = spec.grows ? share(del, records.length) : 0;
    const updated = spec.touch ? Math.min(share(update, records.length), records.length - deleted) : 0;
    const doomed = new Set(order.slice(0, deleted));
    for (const i of order.slice(deleted, deleted + updated)) spec.touch?.(records[i]!, epoch.to, rng);
    table.records = records.filter((_, i) => !doomed.has(i));
    const added = spec.grows ? share(add, table.initialCount) : 0;
    for (let a = 0; a < added; a++) {
      table.records.push(spec.make(world.ctx, table.nextK++, epoch.to, epoch.to, rng));
    }
    changes[name] = { updated, added, deleted };
  }

  const big: [string, IndexedTable][] = [
    ['customers', world.customers.table],
    ['messages', world.messages.table],
    ['activities', world.activities.table],
    ...SUPPRESSION_TYPES.map(
      (t) => [`suppressions.${t}`, world.suppressions[t].table] as [string, IndexedTable],
    ),
  ];
  // Which people this advance changes, before it adds any: their activities log them.
  const people = world.customers.table.changesIn(epoch);
  const peopleBefore = world.customers.table.rawCount();
  for (const [name, table] of big) changes[name] = advanceIndexed(table, epoch, add);
  // Children follow their parents (added, deleted) and change on their own: a parent's `updated`
  // does not move when its actions do.
  const fractions = { update, add, del };
  changes.children = { updated: world.children.advance(epoch.n, epoch.to, fractions), added: 0, deleted: 0 };
  changes.objects = { updated: world.objects.advance(epoch.n, epoch.to, fractions), added: 0, deleted: 0 };
  const created: number[] = [];
  for (let i = peopleBefore; i < world.customers.table.rawCount(); i++) created.push(i);
  const logged = world.activities.logPersonChanges(epoch, { created, ...people });
  changes.activities = { ...changes.activities!, added: changes.activities!.added + logged };

  return { epoch: epoch.n, previousNow: epoch.from, now: epoch.to, changes };
}

function advanceIndexed(table: IndexedTable, epoch: Epoch, add: number): ChangeCounts {
  const { updated, deleted } = table.countChanges(epoch);
  const added = Math.round(add * table.baseCount);
  table.addIn(epoch, added);
  return { updated, added, deleted };
}
