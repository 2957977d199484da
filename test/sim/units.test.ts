/** The simulator's building blocks, in isolation. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/sim/http/handlers-customers.js';
import { CursorCodec, collect } from '../../src/sim/http/paging.js';
import { RateLimiter } from '../../src/sim/http/rate-limit.js';
import { DEFAULT_NOW, World } from '../../src/sim/world/data.js';
import { IndexedTable } from '../../src/sim/world/indexed-table.js';
import { Timeline } from '../../src/sim/world/timeline.js';

/** The text of each shape's tokens: live is padded standard base64 always holding `+` or `/`. */
const TOKEN_TEXT = {
  spec: /^[A-Za-z0-9_-]{16}$/,
  live: /^[+/][A-Za-z0-9+/]{17}==$/,
} as const;

describe.each(['live', 'spec'] as const)('cursor tokens (%s shapes)', (shapes) => {
  const codec = new CursorCodec(1, shapes);

  it('round-trip any position and variant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 255 }),
        (pos, variant) => {
          const token = codec.encode('messages', pos, variant);
          expect(token).toMatch(TOKEN_TEXT[shapes]);
          expect(codec.decode('messages', token)).toEqual({ pos, variant });
        },
      ),
    );
  });

  it('reject tampered, foreign, other-seed and other-shape tokens', () => {
    const token = codec.encode('messages', 1234);
    const flipped = (token[3] === 'A' ? 'B' : 'A').concat();
    expect(codec.decode('messages', token.slice(0, 3) + flipped + token.slice(4))).toBeUndefined();
    expect(codec.decode('activities', token)).toBeUndefined();
    expect(new CursorCodec(2, shapes).decode('messages', token)).toBeUndefined();
    expect(codec.decode('messages', 'MTAw')).toBeUndefined();
    const other = new CursorCodec(1, shapes === 'live' ? 'spec' : 'live');
    expect(other.decode('messages', token)).toBeUndefined();
    if (shapes === 'live') {
      // A `+` turned into a space (a query sent without URL-encoding), or no padding: not a token.
      expect(codec.decode('messages', token.replace(/[+/]/g, ' '))).toBeUndefined();
      expect(codec.decode('messages', token.replace(/=+$/, ''))).toBeUndefined();
    }
  });

  it('the same position under another variant looks different', () => {
    expect(codec.encode('messages', 7, 1)).not.toBe(codec.encode('messages', 7, 0));
  });
});

describe('collect', () => {
  it('pages like slicing the filtered range, and knows where the next page starts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        (keep, limit, descending) => {
          const indexes = keep.map((_, i) => i).filter((i) => keep[i]);
          const order = descending ? indexes.reverse() : indexes;
          const first = descending ? keep.length - 1 : 0;
          const stop = descending ? -1 : keep.length;
          const { items, nextIndex } = collect(first, stop, descending ? -1 : 1, limit, (i) =>
            keep[i] ? i : undefined,
          );
          expect(items).toEqual(order.slice(0, limit));
          expect(nextIndex).toBe(order[limit]);
        },
      ),
    );
  });
});

describe('rate limiter', () => {
  it('allows a burst of `rps`, then refills at `rps` per second', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now);
    const burst = Array.from({ length: 12 }, () => limiter.take('t'));
    expect(burst.filter((r) => r === 0)).toHaveLength(10);
    expect(burst.slice(10)).toEqual([1, 1]);
    now = 100; // 1 token back
    expect(limiter.take('t')).toBe(0);
    expect(limiter.take('t')).toBe(1);
    expect(limiter.take('other')).toBe(0);
  });

  it('0 is unlimited; below 1 rps a request still fits and Retry-After grows', () => {
    let now = 0;
    const free = new RateLimiter(0, () => now);
    expect(Array.from({ length: 100 }, () => free.take('t')).every((r) => r === 0)).toBe(true);
    const slow = new RateLimiter(0.25, () => now);
    expect(slow.take('t')).toBe(0);
    expect(slow.take('t')).toBe(4);
    now = 4000;
    expect(slow.take('t')).toBe(0);
    expect(() => slow.set(-1)).toThrow(RangeError);
  });
});

describe('customer filters', () => {
  const full = { id: '1', email: 'a@example.com', cio_id: 'c1' };
  const emailOnly = { id: null, email: 'b@example.com', cio_id: 'c2' };
  const cioOnly = { id: null, email: null, cio_id: 'c3' };
  const run = (filter: unknown) =>
    [full, emailOnly, cioOnly].map((who) => compileFilter(filter)(who) !== false);

  it.each([
    [{ and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] }, [true, true, true]],
    [{ attribute: { field: 'id', operator: 'exists' } }, [true, false, false]],
    [
      {
        or: [
          { attribute: { field: 'id', operator: 'exists' } },
          { attribute: { field: 'email', operator: 'exists' } },
        ],
      },
      [true, true, false],
    ],
    [{ not: { attribute: { field: 'email', operator: 'exists' } } }, [false, false, true]],
    [{ attribute: { field: 'email', operator: 'eq', value: 'b@example.com' } }, [false, true, false]],
    [{ segment: { id: 3 } }, [true, true, true]],
    [
      { and: [{ segment: { id: 3 } }, { attribute: { field: 'id', operator: 'exists' } }] },
      [true, false, false],
    ],
    [{ attribute: { field: 'plan', operator: 'eq', value: 'pro' } }, [true, true, true]],
  ])('%j', (filter, expected) => {
    expect(run(filter)).toEqual(expected);
  });

  it('rejects shapes outside the grammar', () => {
    for (const bad of [
      'x',
      [1],
      { and: 1 },
      { attribute: { field: 'id' } },
      { attribute: { field: 'id', operator: 'eq' } },
    ]) {
      expect(() => compileFilter(bad)).toThrow();
    }
  });
});

describe('indexed table', () => {
  it('creation times never decrease across additions, and time lookups agree with a scan', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 30 })), {
          maxLength: 5,
        }),
        fc.integer({ min: 0, max: 10_000 }),
        (advances, probe) => {
          const timeline = new Timeline(1, 1_000_000);
          const table = new IndexedTable(timeline, {
            tag: 't',
            baseCount: 50,
            updatable: true,
            baseTime: (i) => 990_000 + Math.floor(i / 3) * 100,
          });
          for (const [seconds, added] of advances) table.addIn(timeline.begin(seconds, 0.1, 0, 0.1), added);
          const times = Array.from({ length: table.rawCount() }, (_, i) => table.createdAt(i));
          for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
          expect(times.every((t) => t <= timeline.now)).toBe(true);
          const t = 990_000 + probe;
          const expected = times.findIndex((x) => x >= t);
          expect(table.firstAtOrAfter(t)).toBe(expected < 0 ? times.length : expected);
        },
      ),
    );
  });

  it('fate: only later epochs touch a record, and deletion is final', () => {
    const timeline = new Timeline(1, 1_000_000);
    const table = new IndexedTable(timeline, {
      tag: 't',
      baseCount: 1000,
      updatable: true,
      baseTime: () => 0,
    });
    const e1 = timeline.begin(10, 0.5, 0, 0.5);
    table.addIn(e1, 100);
    for (let i = 1000; i < 1100; i++) expect(table.fate(i)).toEqual({ deleted: false, updatedIn: undefined });
    const fates = Array.from({ length: 1000 }, (_, i) => table.fate(i));
    expect(fates.filter((f) => f.deleted).length).toBeGreaterThan(400);
    expect(fates.filter((f) => f.updatedIn === e1).length).toBeGreaterThan(150);
    timeline.begin(10, 0, 0, 0.5);
    for (let i = 0; i < 1000; i++) if (fates[i]!.deleted) expect(table.fate(i).deleted).toBe(true);
  });
});

describe('rate limiter modes', () => {
  it('rolling: at most `rps` accepted in any 1,000 ms, refusals not counted', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now, 'rolling');
    // Ten evenly spaced, then an eleventh 999 ms after the first: refused; at 1,000 ms: allowed.
    for (let i = 0; i < 10; i++) {
      now = i * 100;
      expect(limiter.take('t')).toBe(0);
    }
    now = 999;
    expect(limiter.take('t')).toBe(1);
    now = 1000;
    expect(limiter.take('t')).toBe(0);
    now = 1050;
    expect(limiter.take('t')).toBe(1);
    now = 1100;
    expect(limiter.take('t')).toBe(0);
  });

  it('fixed-window: `rps` per calendar second, so a boundary lets twice as many through', () => {
    let now = 990;
    const limiter = new RateLimiter(10, () => now, 'fixed-window');
    const before = Array.from({ length: 11 }, () => limiter.take('t'));
    expect(before.filter((r) => r === 0)).toHaveLength(10);
    now = 1000;
    expect(Array.from({ length: 10 }, () => limiter.take('t')).every((r) => r === 0)).toBe(true);
    expect(limiter.take('t')).toBe(1);
  });
});

describe('catalog growth', () => {
  const sizes = (growth: 'sqrt' | 'linear', scale: number) => {
    const world = new World(1, scale, DEFAULT_NOW, { catalogGrowth: growth });
    return {
      customers: world.customers.table.baseCount,
      messages: world.messages.table.baseCount,
      newsletters: world.list('newsletters').length,
      senders: world.list('sender_identities', 'all').length,
      bounces: world.suppressions.bounces.table.baseCount,
    };
  };

  it('grows the lists that describe a workspace with the square root of the scale above 1', () => {
    const one = sizes('sqrt', 1);
    expect(sizes('linear', 1)).toEqual(one);
    const sqrt = sizes('sqrt', 16);
    const linear = sizes('linear', 16);
    // People and deliveries grow with the scale either way.
    expect(sqrt.customers).toBe(16 * one.customers);
    expect(linear.messages).toBe(16 * one.messages);
    expect(sqrt.messages).toBe(linear.messages);
    for (const list of ['newsletters', 'senders', 'bounces'] as const) {
      expect(linear[list]).toBe(16 * one[list]);
      expect(sqrt[list]).toBe(4 * one[list]);
    }
    // The bounces list stays a whole number of full pages, so its last page is followed by an empty one.
    expect(sqrt.bounces % 1000).toBe(0);
  });

  it('shrinks them with the scale below 1 either way', () => {
    expect(sizes('sqrt', 0.5)).toEqual(sizes('linear', 0.5));
  });
});
