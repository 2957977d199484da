/**
 * The feed pages' fast path: records written straight into bytes, pages cached and their memory
 * reused. Its output must stay byte for byte what JSON.stringify of the objects gives (and what
 * the simulator served before this path existed), caches must never serve a changed world's
 * old data, and reused memory must never reach a response still being written.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listMessages } from '../../src/sim/http/handlers-deliveries.js';
import { CursorCodec } from '../../src/sim/http/paging.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { World } from '../../src/sim/world/data.js';
import {
  fragment,
  JsonBytes,
  putBase64url,
  putBytes,
  putCopy,
  putHex8,
  putNumber,
  putPadded,
} from '../../src/sim/world/json-bytes.js';
import type { MessageFilter } from '../../src/sim/world/messages.js';
import { advanceWorld } from '../../src/sim/world/mutate.js';
import { type PageBytes, PageCache } from '../../src/sim/world/page-cache.js';
import { hash32, hashNumber, Rng } from '../../src/sim/world/prng.js';
import { call, obj } from './helpers.js';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Raw bytes of an answer, also when the connection drops mid-body. */
function rawGet(
  sim: Simulator,
  path: string,
): Promise<{ status: number; length: number; bytes: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      sim.url + path,
      { headers: { authorization: `Bearer ${sim.token}` }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const done = (complete: boolean) => () =>
          resolve({
            status: res.statusCode ?? 0,
            length: Number(res.headers['content-length']),
            bytes: Buffer.concat(chunks),
            complete,
          });
        res.on('end', done(true));
        res.on('aborted', done(false));
        res.on('error', () => {});
      },
    );
    req.on('error', reject);
  });
}

describe('message serialization', () => {
  it('answers byte-identical to the simulator before the fast path (pinned hashes)', async () => {
    // Computed with the object + JSON.stringify implementation this path replaced (spec shapes:
    // the only ones it served).
    const sim = await startSimulator({ seed: 1, rps: 0, shapes: 'spec' });
    try {
      const text = async (path: string) => (await call(sim, path)).text;
      const first = await text('/v1/messages?limit=1000');
      const next = String(obj(JSON.parse(first)).next);
      const got = {
        first: sha256(first),
        second: sha256(await text(`/v1/messages?limit=1000&start=${next}`)),
        tracked: sha256(await text('/v1/messages?limit=1000&get_tracked_responses=true')),
        opened: sha256(await text('/v1/messages?limit=100&metric=opened')),
        twilio: sha256(await text('/v1/messages?limit=50&type=twilio')),
        activities: sha256(await text('/v1/activities?limit=100')),
        truth: sha256(JSON.stringify(sim.truth().messages)),
      };
      sim.advance({ seconds: 86_400, updateFraction: 0.3, deleteFraction: 0.1 });
      const after = {
        first: sha256(await text('/v1/messages?limit=1000')),
        tracked: sha256(await text('/v1/messages?limit=1000&get_tracked_responses=true')),
        truth: sha256(JSON.stringify(sim.truth().messages)),
      };
      expect(got).toEqual({
        first: 'ec15f40e9eeb94c31c55f6ffc080f211a03c2b9a41585c3534b3bca60178d7ed',
        second: '2cb49016de1e2191b251a00fd0281b6505adc8322f90a1330c11f6b2aab8cf3c',
        tracked: '7f23bb0d37813ea64776d1ecaefd9f32812be24103413b98f7117162f6b583b9',
        opened: '9ed8beb6f3e3e0b7510ccd83ea148a3149244b6fbbe410f588042da4646c4f85',
        twilio: '1d33367399d6d50802e349f67ecf49ede2065a9ca218f57b975dee4ae5bba237',
        activities: '5d614b4c9ca23b77af2b881bd6e2535cd98a5428a28b942965a76ba0d906e859',
        truth: 'e5cda7e018110f12e242ebb13f384d220bfe17380d17d7214a02f0ea7bee9c5d',
      });
      expect(after).toEqual({
        first: '9902d07fd41644d86562407715d3839e6ec3094bb5f8f8dbe461fa98423bee6b',
        tracked: 'adeee8490a2c634225982389dd0bc4a303807ec461afec5a766220f7189f414b',
        truth: '70f305a4609d427e337b219a052ef42fb78942f2d9194202bfcbf5c78d65482b',
      });
    } finally {
      await sim.stop();
    }
  });

  it('json(i) is JSON.stringify(get(i)) for every record, before and after advances, in both shapes', () => {
    for (const [seed, shapes] of [
      [2, 'live'],
      [9, 'spec'],
    ] as const) {
      const world = new World(seed, 1.3, undefined, { shapes });
      const check = () => {
        const { messages } = world;
        let served = 0;
        for (let i = 0; i < messages.table.rawCount(); i++) {
          for (const tracked of [false, true]) {
            const object = messages.get(i, tracked);
            const text = messages.json(i, tracked);
            expect(text).toBe(object === undefined ? undefined : JSON.stringify(object));
            if (object) served++;
          }
        }
        return served;
      };
      expect(check()).toBeGreaterThan(6000);
      advanceWorld(world, { seconds: 7200, updateFraction: 0.4, deleteFraction: 0.1 });
      check();
      advanceWorld(world, { seconds: 20 * 86_400, updateFraction: 0.6 });
      check();
    }
  });

  it('json(i, tracked, filter) serves exactly the records the filter matches', () => {
    const world = new World(4, 1);
    advanceWorld(world, { seconds: 3600, updateFraction: 0.5 });
    const { messages } = world;
    const some = (key: string) => Number(world.truth().messages.find((m) => m[key] !== null)?.[key]);
    const filters: MessageFilter[] = [
      { type: 'email' },
      { metric: 'opened' },
      { metric: 'converted' },
      { metric: 'failed' },
      { metric: 'unsubscribed' },
      { campaignId: some('campaign_id') },
      { newsletterId: some('newsletter_id') },
      { actionId: some('action_id') },
      { type: 'push', metric: 'delivered' },
    ];
    for (const filter of filters) {
      let matched = 0;
      for (let i = 0; i < messages.table.rawCount(); i++) {
        const m = messages.get(i);
        const metrics = (m?.metrics ?? {}) as Record<string, unknown>;
        const matches =
          m !== undefined &&
          (filter.type === undefined || m.type === filter.type) &&
          (filter.metric === undefined || metrics[filter.metric] !== undefined) &&
          (filter.campaignId === undefined || m.campaign_id === filter.campaignId) &&
          (filter.newsletterId === undefined || m.newsletter_id === filter.newsletterId) &&
          (filter.actionId === undefined || m.action_id === filter.actionId);
        expect(messages.json(i, false, filter)).toBe(matches ? JSON.stringify(m) : undefined);
        if (matches) matched++;
      }
      if (filter.metric !== 'unsubscribed') expect(matched, JSON.stringify(filter)).toBeGreaterThan(0);
    }
  });
});

describe('JSON bytes', () => {
  const put = (write: (buf: Buffer, p: number) => number): string => {
    const buf = Buffer.alloc(256);
    return buf.toString('utf8', 0, write(buf, 0));
  };

  it('numbers are written as JSON.stringify writes them', () => {
    for (const n of [
      0,
      9,
      10,
      99,
      100,
      1e9 - 1,
      1e9,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 53,
      -0,
      -7,
      1.5,
      1e21,
      NaN,
    ]) {
      expect(put((b, p) => putNumber(b, p, n))).toBe(JSON.stringify(n));
    }
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.integer({ min: 0, max: 2 ** 31 - 1 })), (n) => {
        expect(put((b, p) => putNumber(b, p, n))).toBe(JSON.stringify(n));
      }),
    );
  });

  it('zero-padded digits, hex and base64url match the library functions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999 }), (n) => {
        expect(put((b, p) => putPadded(b, p, n, 7))).toBe(String(n).padStart(7, '0'));
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(put((b, p) => putHex8(b, p, n))).toBe(n.toString(16).padStart(8, '0'));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
        expect(put((b, p) => putBase64url(b, p, bytes))).toBe(Buffer.from(bytes).toString('base64url'));
      }),
    );
  });

  it('fragments, copies and strings; strings escaped as JSON.stringify does', () => {
    expect(put((b, p) => putCopy(b, putBytes(b, p, fragment('"é🎉"')), 1, 7))).toBe('"é🎉"é🎉');
    const out = new JsonBytes(4); // grows as needed
    const samples = [
      'plain',
      '',
      'quote " and \\ backslash',
      'line\nbreak\ttab',
      '\u0000\u001f',
      'Zoë 王芳 🎉',
    ];
    for (const s of samples) out.string(s);
    out.utf8('["ünïcode"]');
    out.char(0x2c);
    out.raw(fragment('null'));
    expect(out.toString()).toBe(`${samples.map((s) => JSON.stringify(s)).join('')}["ünïcode"],null`);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const w = new JsonBytes(8);
        w.string(s);
        expect(w.toString()).toBe(Buffer.from(JSON.stringify(s)).toString('utf8'));
      }),
    );
  });
});

describe('prng fast paths', () => {
  it('hashNumber extends a hash32 prefix', () => {
    fc.assert(
      fc.property(fc.integer(), fc.string(), fc.nat(), fc.double({ min: 0, max: 2 ** 53 }), (a, s, b, n) => {
        const whole = Math.floor(n);
        expect(hashNumber(hash32(a >>> 0, s, b), whole)).toBe(hash32(a >>> 0, s, b, whole));
      }),
    );
  });

  it('reset, uint32, index and weightedIndex make the same draws as the originals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const a = new Rng(seed);
        const b = new Rng(12345).reset(seed);
        expect(Math.floor(a.next() * 2 ** 32)).toBe(b.uint32());
        expect(a.pick([1, 2, 3, 4, 5, 6, 7])).toBe([1, 2, 3, 4, 5, 6, 7][b.index(7)]);
        const weights = [
          ['a', 70],
          ['b', 10],
          ['c', 6],
          ['d', 5],
          ['e', 4],
          ['f', 2],
          ['g', 2],
          ['h', 1],
        ] as const;
        expect(a.weighted(weights)).toBe(weights[b.weightedIndex(weights.map(([, w]) => w))]![0]);
        expect(a.next()).toBe(b.next()); // still in step
      }),
    );
    expect(() => new Rng(1).index(0)).toThrow(RangeError);
  });
});

describe('page cache', () => {
  const page = (n: number): PageBytes => ({
    recordsKey: 'messages',
    bytes: Buffer.from(`{"messages":[${n}],"next":""}`),
    recordsEnd: 15,
    next: '',
  });

  it('keeps the most recently used pages, for one version only', () => {
    const cache = new PageCache(2);
    const [a, b, c] = [page(1), page(2), page(3)];
    cache.set(0, 'a', a, a.bytes);
    cache.set(0, 'b', b, b.bytes);
    expect(cache.get(0, 'a')).toBe(a); // a is now the most recent
    cache.set(0, 'c', c, c.bytes);
    expect(cache.get(0, 'b')).toBeUndefined();
    expect(cache.get(0, 'a')).toBe(a);
    expect(cache.get(0, 'c')).toBe(c);
    expect(cache.get(1, 'a')).toBeUndefined(); // a new version empties the cache
    expect(cache.size).toBe(0);
  });

  it('reuses an evicted page buffer only once no response holds it', () => {
    const cache = new PageCache(1, 2);
    const a = page(1);
    const backing = Buffer.alloc(4096);
    cache.set(0, 'a', a, backing);
    const release = cache.hold(a);
    cache.set(0, 'b', page(2), Buffer.alloc(16)); // evicts a while it is being written
    expect(cache.buffer(1000)).not.toBe(backing);
    release();
    release(); // idempotent
    expect(cache.buffer(1000)).toBe(backing);
    expect(cache.buffer(1000)).not.toBe(backing); // handed out once
    expect(cache.buffer(10).length).toBe(10);
  });
});

describe('feed page cache in the handler', () => {
  const request = (query: string) => ({
    method: 'GET',
    path: '/v1/messages',
    params: {},
    query: new URLSearchParams(query),
    body: undefined,
  });

  it('a page asked twice is served from the cache; an advance invalidates it', () => {
    const world = new World(3, 1);
    const ctx = { world, codec: new CursorCodec(3) };
    const first = listMessages(request('limit=200'), ctx);
    const again = listMessages(request('limit=200'), ctx);
    expect(again.page).toBeDefined();
    expect(again.page).toBe(first.page);
    expect(listMessages(request('limit=200&type=email'), ctx).page).not.toBe(first.page);
    const before = first.page!.bytes.toString();

    advanceWorld(world, { seconds: 600, updateFraction: 0.5, deleteFraction: 0.1 });
    const after = listMessages(request('limit=200'), ctx);
    expect(after.page).not.toBe(first.page);
    const text = after.page!.bytes.toString();
    expect(text).not.toBe(before);
    const truth = world.truth().messages.slice(0, 200);
    expect(obj(JSON.parse(text)).messages).toEqual(truth);
    expect(text.startsWith(`{"messages":${JSON.stringify(truth).slice(0, -1)}`)).toBe(true);
  });
});

describe('serialized pages over HTTP', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 8, rps: 0 });
  });
  afterEach(() => sim.clearFaults());
  afterAll(() => sim.stop());

  it('faults cut, break or rewrite the very bytes of the normal page', async () => {
    const normal = await rawGet(sim, '/v1/messages?limit=300');
    expect(normal.complete).toBe(true);
    expect(normal.bytes.length).toBe(normal.length);
    const next = String(obj(JSON.parse(normal.bytes.toString())).next);

    sim.injectFault({ kind: 'truncated', path: '/v1/messages', count: 1 });
    const cut = await rawGet(sim, '/v1/messages?limit=300');
    expect(cut.bytes.equals(normal.bytes.subarray(0, Math.floor(normal.bytes.length / 2)))).toBe(true);

    sim.injectFault({ kind: 'reset', afterBytes: 5000, path: '/v1/messages', count: 1 });
    const reset = await rawGet(sim, '/v1/messages?limit=300');
    expect(reset.complete).toBe(false);
    expect(reset.length).toBe(normal.bytes.length);
    expect(reset.bytes.equals(normal.bytes.subarray(0, 5000))).toBe(true);

    sim.injectFault({ kind: 'malformed', path: '/v1/messages', count: 1 });
    const malformed = await rawGet(sim, '/v1/messages?limit=300');
    expect(malformed.bytes.toString()).toBe(normal.bytes.toString().replace('":', '":,'));

    const start = encodeURIComponent(next);
    const second = await rawGet(sim, `/v1/messages?limit=300&start=${start}`);
    sim.injectFault({ kind: 'repeat_cursor', path: '/v1/messages', count: 1 });
    const repeated = obj(
      JSON.parse((await rawGet(sim, `/v1/messages?limit=300&start=${start}`)).bytes.toString()),
    );
    expect(repeated).toEqual({ ...obj(JSON.parse(second.bytes.toString())), next });

    sim.injectFault({ kind: 'empty_page_with_cursor', path: '/v1/messages', count: 1 });
    const empty = obj(JSON.parse((await rawGet(sim, '/v1/messages?limit=300')).bytes.toString()));
    expect(empty.messages).toBeNull();
    expect(empty.next).not.toBe('');

    // The cached page itself was never touched by those rewrites.
    expect((await rawGet(sim, '/v1/messages?limit=300')).bytes.equals(normal.bytes)).toBe(true);
  });

  it('a page still being written is never overwritten by later pages reusing its memory', async () => {
    const fresh = (await rawGet(sim, '/v1/messages?limit=1000')).bytes;
    expect(fresh.length).toBeGreaterThan(100_000);
    // A change that changes nothing still empties the cache: the slow page is generated anew.
    sim.advance({ seconds: 0, updateFraction: 0, addFraction: 0, deleteFraction: 0 });
    sim.injectFault({ kind: 'slow', delayMs: 400, path: '/v1/messages', count: 1 });
    const slow = rawGet(sim, '/v1/messages?limit=1000');
    await new Promise((r) => setTimeout(r, 50));
    // Enough other pages to evict the slow one and recycle buffers several times over.
    let start = '';
    for (let n = 0; n < 8; n++) {
      const page = await rawGet(
        sim,
        `/v1/messages?limit=250${start ? `&start=${encodeURIComponent(start)}` : ''}`,
      );
      start = String(obj(JSON.parse(page.bytes.toString())).next);
    }
    expect((await slow).bytes.equals(fresh)).toBe(true);
  });
});
