/**
 * The structure behind campaigns, broadcasts, newsletters and segments (docs/customerio-beyond.md
 * A to D): each parent's actions, triggers, contents and test groups, kept per parent id and made
 * from the parent's own record (action stubs, content_ids), so the messages that name an action or
 * a content name a real one. Segment membership follows the people table and segment dependencies
 * the campaigns and newsletters that name the segment, so both change as those do.
 */
import type { CustomerTable } from './customers.js';
import { hash32, Rng } from './prng.js';
import type { JsonObject } from './types.js';
import { SUBJECTS } from './vocab.js';

/** The child lists kept per parent id, named like the tables they become. */
export const KEPT_CHILDREN = [
  'campaign_actions',
  'broadcast_actions',
  'broadcast_triggers',
  'newsletter_contents',
  'newsletter_test_groups',
] as const;
export type KeptChild = (typeof KEPT_CHILDREN)[number];

/** Every child list of the ground truth: the kept ones and the two derived ones. */
export type ChildTruth = Record<KeptChild | 'segment_members' | 'segment_dependencies', JsonObject[]>;

/** The parent resource of each kept child list, and the key its records carry for it. */
const PARENT_OF: Record<KeptChild, { parent: 'campaigns' | 'broadcasts' | 'newsletters'; key: string }> = {
  campaign_actions: { parent: 'campaigns', key: 'campaign_id' },
  broadcast_actions: { parent: 'broadcasts', key: 'broadcast_id' },
  broadcast_triggers: { parent: 'broadcasts', key: 'broadcast_id' },
  newsletter_contents: { parent: 'newsletters', key: 'newsletter_id' },
  newsletter_test_groups: { parent: 'newsletters', key: 'newsletter_id' },
};

/** The parent lists, read live (an advance replaces their arrays). */
type Parents = Record<'campaigns' | 'broadcasts' | 'newsletters' | 'segments', { records: JsonObject[] }>;

function stubIds(parent: JsonObject, field: string): number[] {
  const list = parent[field];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    if (typeof item === 'number') return [item];
    if (item && typeof item === 'object' && !Array.isArray(item) && typeof item.id === 'number')
      return [item.id];
    return [];
  });
}

function stubTypes(parent: JsonObject): Map<number, string> {
  const types = new Map<number, string>();
  const list = parent.actions;
  if (Array.isArray(list)) {
    for (const item of list) {
      if (item && typeof item === 'object' && !Array.isArray(item) && typeof item.id === 'number') {
        types.set(item.id, typeof item.type === 'string' ? item.type : 'email');
      }
    }
  }
  return types;
}

/** A message action's body (customerio-beyond.md A.1, the "Email / message" and "Webhook" variants). */
function action(id: number, type: string, at: number, rng: Rng): JsonObject {
  const base: JsonObject = {
    name: `${type} ${id}`,
    type,
    language: '',
    sending_state: rng.pick(['automatic', 'automatic', 'draft', 'off']),
    created: at,
    updated: at,
    deduplicate_id: `${id}:${at}`,
  };
  if (type === 'webhook') {
    return { ...base, method: 'post', url: `https://hooks.example.com/a/${id}`, headers: '[]', body: '{}' };
  }
  return {
    ...base,
    layout: 'basic',
    subject: rng.pick(SUBJECTS),
    body: `<p>Hello {{customer.first_name}} (${id})</p>`,
    preheader_text: '',
    from_id: rng.int(1, 5),
    reply_to_id: null,
    recipient: '{{customer.email}}',
    headers: '[]',
    fake_bcc: false,
  };
}

/** The children of one parent, made when the parent is first seen. */
function makeChildren(name: KeptChild, parent: JsonObject, at: number, seed: number): JsonObject[] {
  const id = parent.id as number;
  const rng = Rng.for(seed, 'children', name, id);
  switch (name) {
    case 'campaign_actions': {
      const types = stubTypes(parent);
      const ids = [...types.keys()];
      // Every fourth campaign has more than one page of actions (10 per page).
      if (id % 4 === 1) for (let n = 0; n < 12; n++) ids.push((ids[ids.length - 1] ?? id * 20) + 1);
      return ids.map((actionId) => ({
        // Live workspaces send a campaign action's id as a string of digits.
        ...action(actionId, types.get(actionId) ?? 'email', at, rng),
        id: String(actionId),
        campaign_id: id,
        parent_action_id: 0,
      }));
    }
    case 'broadcast_actions': {
      const types = stubTypes(parent);
      return [...types].map(([actionId, type]) => ({
        ...action(actionId, type, at, rng),
        id: actionId,
        broadcast_id: id,
      }));
    }
    case 'broadcast_triggers': {
      const count = rng.int(0, 3);
      const out: JsonObject[] = [];
      for (let n = 1; n <= count; n++) {
        const created = at - (count - n) * 3600;
        out.push({
          id: id * 100 + n,
          broadcast_id: id,
          created_at: created,
          processed_at: n < count ? created + 30 : null,
        });
      }
      return out;
    }
    case 'newsletter_contents':
      return stubIds(parent, 'content_ids').map((contentId, n) => ({
        ...action(contentId, typeof parent.type === 'string' ? parent.type : 'email', at, rng),
        id: contentId,
        newsletter_id: id,
        name: `one-time send variant ${String.fromCharCode(65 + n)}`,
      }));
    case 'newsletter_test_groups': {
      const contents = stubIds(parent, 'content_ids');
      if (contents.length < 2) return [];
      // Test group ids start at 0 (customerio-beyond.md C.2).
      return contents.map((contentId, n) => ({
        id: n,
        name: String.fromCharCode(65 + n),
        label: `test ${n + 1}`,
        winner: false,
        content_ids: [contentId],
      }));
    }
  }
}

/** How an advance edits one child: a new name, or a trigger processed at last. */
function touchChild(name: KeptChild, record: JsonObject, now: number): void {
  if (name === 'broadcast_triggers') {
    record.processed_at = now;
  } else if (name === 'newsletter_test_groups') {
    record.winner = !record.winner;
  } else {
    record.name = `${String(record.name).replace(/ \(edited \d+\)$/, '')} (edited ${now % 10_000})`;
    if ('updated' in record) record.updated = now;
  }
}

export class ChildTables {
  private readonly kept: Record<KeptChild, Map<number, JsonObject[]>>;

  constructor(
    private readonly seed: number,
    private readonly parents: Parents,
    private readonly customers: CustomerTable,
    now: number,
  ) {
    this.kept = Object.fromEntries(KEPT_CHILDREN.map((name) => [name, new Map()])) as Record<
      KeptChild,
      Map<number, JsonObject[]>
    >;
    this.follow(now);
  }

  /** Children for parents new since the last call; the children of deleted parents go with them. */
  follow(now: number): void {
    for (const name of KEPT_CHILDREN) {
      const map = this.kept[name];
      const live = new Set<number>();
      for (const parent of this.parents[PARENT_OF[name].parent].records) {
        const id = parent.id as number;
        live.add(id);
        if (!map.has(id)) {
          const created = typeof parent.created === 'number' ? Math.min(parent.created, now) : now;
          map.set(id, makeChildren(name, parent, created, this.seed));
        }
      }
      for (const id of [...map.keys()]) if (!live.has(id)) map.delete(id);
    }
  }

  /** The children of a live parent, or undefined when there is no such parent (a 404). */
  of(name: KeptChild, parentId: number): JsonObject[] | undefined {
    return this.kept[name].get(parentId);
  }

  /**
   * One advance: a share of parents (at least a fifth, when the advance changes anything) get a
   * child edited, added or deleted, each only when the advance does that kind of change.
   */
  advance(epoch: number, now: number, fractions: { update: number; add: number; del: number }): number {
    this.follow(now);
    const kinds = (['update', 'add', 'del'] as const).filter((kind) => fractions[kind] > 0);
    if (kinds.length === 0) return 0;
    const share = Math.max(fractions.update, fractions.add, fractions.del, 0.2);
    let changed = 0;
    for (const name of KEPT_CHILDREN) {
      const rng = Rng.for(this.seed, 'children-advance', name, epoch);
      for (const [parentId, children] of this.kept[name]) {
        if (!rng.chance(share)) continue;
        const kind = rng.pick(kinds);
        if (kind === 'update' && children.length > 0) {
          touchChild(name, children[rng.int(0, children.length - 1)]!, now);
        } else if (kind === 'del' && children.length > 1) {
          children.splice(rng.int(0, children.length - 1), 1);
        } else if (kind === 'add' && name !== 'newsletter_contents' && name !== 'newsletter_test_groups') {
          children.push(this.added(name, parentId, children, now, rng));
        } else continue;
        changed++;
      }
    }
    return changed;
  }

  private added(
    name: KeptChild,
    parentId: number,
    children: JsonObject[],
    now: number,
    rng: Rng,
  ): JsonObject {
    const ids = children.map((c) => Number(c.id));
    const next = (ids.length > 0 ? Math.max(...ids) : parentId * 100) + 1;
    if (name === 'broadcast_triggers') {
      return { id: next, broadcast_id: parentId, created_at: now, processed_at: null };
    }
    const body = action(next, 'email', now, rng);
    return name === 'campaign_actions'
      ? { ...body, id: String(next), campaign_id: parentId, parent_action_id: 0 }
      : { ...body, id: next, broadcast_id: parentId };
  }

  /** Whether customer `i` belongs to segment `segmentId` (a fixed draw; empty segments exist). */
  isMember(segmentId: number, i: number): boolean {
    const share = segmentId % 6 === 0 ? 0 : 5 + (segmentId % 5) * 10;
    return hash32(this.seed, 'member', segmentId, i) % 100 < share;
  }

  /** Live members of a segment from customer index `from`, at most `limit`, and where the next page starts. */
  members(
    segmentId: number,
    from: number,
    limit: number,
  ): { members: JsonObject[]; next: number | undefined } {
    const members: JsonObject[] = [];
    const count = this.customers.table.rawCount();
    for (let i = from; i < count; i++) {
      if (!this.isMember(segmentId, i) || this.customers.table.fate(i).deleted) continue;
      if (members.length === limit) return { members, next: i };
      const who = this.customers.identity(i);
      members.push({ id: who.id, email: who.email, cio_id: who.cio_id });
    }
    return { members, next: undefined };
  }

  /** `used_by` of a segment: the campaigns and newsletters that name it. */
  usedBy(segmentId: number): JsonObject {
    const names = (record: JsonObject, fields: string[]) =>
      fields.some(
        (field) => Array.isArray(record[field]) && (record[field] as unknown[]).includes(segmentId),
      );
    const campaigns = this.parents.campaigns.records
      .filter((c) => names(c, ['trigger_segment_ids', 'filter_segment_ids']))
      .map((c) => c.id as number);
    const newsletters = this.parents.newsletters.records.filter((n) => names(n, ['recipient_segment_ids']));
    const sent = newsletters.filter((n) => n.sent_at !== null).map((n) => n.id as number);
    const drafts = newsletters.filter((n) => n.sent_at === null).map((n) => n.id as number);
    // Live sends null for an empty list.
    return {
      campaigns: campaigns.length > 0 ? campaigns : null,
      draft_newsletters: drafts.length > 0 ? drafts : null,
      sent_newsletters: sent,
    };
  }

  /**
   * Every child record as served, each with its parent's key (test groups carry none of their own).
   * `members: false` leaves segment_members empty: at large scales it holds tens of millions of rows.
   */
  truth(options: { members?: boolean } = {}): ChildTruth {
    const out: Partial<ChildTruth> = {};
    for (const name of KEPT_CHILDREN) {
      const key = PARENT_OF[name].key;
      out[name] = [...this.kept[name]].flatMap(([parentId, children]) =>
        children.map((child) => structuredClone({ ...child, [key]: parentId })),
      );
    }
    const members: JsonObject[] = [];
    const dependencies: JsonObject[] = [];
    for (const segment of this.parents.segments.records) {
      const segmentId = segment.id as number;
      if (options.members ?? true)
        for (const m of this.members(segmentId, 0, Number.MAX_SAFE_INTEGER).members)
          members.push({ segment_id: segmentId, ...m });
      const usedBy = this.usedBy(segmentId);
      const types: [string, string][] = [
        ['campaigns', 'campaign'],
        ['draft_newsletters', 'draft_newsletter'],
        ['sent_newsletters', 'sent_newsletter'],
      ];
      for (const [list, type] of types) {
        const ids = usedBy[list];
        if (Array.isArray(ids))
          for (const id of ids)
            dependencies.push({ segment_id: segmentId, dependent_type: type, dependent_id: id });
      }
    }
    return {
      ...(out as Record<KeptChild, JsonObject[]>),
      segment_members: members,
      segment_dependencies: dependencies,
    };
  }
}
