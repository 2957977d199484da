import { afterEach, describe, expect, it } from 'vitest';
import { getDefinition } from '../../src/streams/definitions.js';
import { checkResumePosition, readerFor } from '../../src/streams/readers/index.js';
import { collectPages } from './helpers/collect.js';
import { type FakeApi, HttpAnswer, type SeenRequest, startFakeApi } from './helpers/fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const senders = Array.from({ length: 7 }, (_, i) => ({
  id: 100 + i,
  name: `sender ${i}`,
  hidden: i % 3 === 2,
}));

/** Standard base64 with `+`, `/` and `=`, as live cursors are: the client must URL-encode them. */
const TOKENS = ['a+b/c==', 'd+e/f==', 'g+h/i=='];

/**
 * Two records a page. `live`: hidden=true lists only hidden senders; otherwise (the vendor's
 * words) it lists everyone. Live records may also leave `hidden` out.
 */
function senderApi(shape: 'live' | 'spec', omitHidden = false) {
  return (req: SeenRequest) => {
    const wantHidden = req.query.hidden === 'true';
    const listed = senders.filter((s) => (wantHidden ? shape === 'spec' || s.hidden : !s.hidden));
    const page = req.query.start === undefined ? 0 : TOKENS.indexOf(req.query.start) + 1;
    if (page === 0 && req.query.start !== undefined)
      return new HttpAnswer(400, { errors: [{ detail: 'bad start' }] });
    const records = listed.slice(page * 2, page * 2 + 2).map((s) => {
      if (!omitHidden) return s;
      const { hidden: _hidden, ...rest } = s;
      return rest;
    });
    const more = page * 2 + 2 < listed.length;
    return { sender_identities: records, next: more ? (TOKENS[page] ?? '') : '' };
  };
}

const def = getDefinition('sender_identities');
const read = (resume?: unknown) =>
  collectPages(readerFor(def)(def, { client: api!.client, concurrency: 1, resume }));

describe('sender identities: the visible list, then hidden=true', () => {
  it.each(['live', 'spec'] as const)(
    'reads every sender once, hidden ones marked (%s shape)',
    async (shape) => {
      api = await startFakeApi(senderApi(shape));
      const pages = await read();
      const rows = pages.flatMap((p) => p.rows);
      expect(rows.map((r) => r.id).sort()).toEqual(senders.map((s) => s.id));
      expect(rows.filter((r) => r.hidden === true).map((r) => r.id)).toEqual([102, 105]);
      expect(pages.at(-1)?.position).toBeNull();
      // Cursors went back URL-encoded and were recognised: no page was refused.
      expect(api.requests.some((r) => r.query.start === 'a+b/c==')).toBe(true);
    },
  );

  it('marks a sender hidden by the pass it came from when the record leaves the field out', async () => {
    api = await startFakeApi(senderApi('live', true));
    const rows = (await read()).flatMap((p) => p.rows);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.hidden]))).toEqual(
      Object.fromEntries(senders.map((s) => [s.id, s.hidden])),
    );
  });

  it('resumes inside the hidden pass without sending its cursor to the visible list', async () => {
    api = await startFakeApi(senderApi('spec'));
    const pages = await read({ pass: 1, page: { cursor: 'a+b/c==' } });
    expect(api.requests.every((r) => r.query.hidden === 'true')).toBe(true);
    expect(pages.flatMap((p) => p.rows).map((r) => r.id)).toEqual([102, 103, 104, 105, 106]);
    expect(pages.map((p) => p.position)).toEqual([
      { pass: 1, page: { cursor: 'd+e/f==' } },
      { pass: 1, page: { cursor: 'g+h/i==' } },
      null,
    ]);
  });

  it('yields the start of the next pass as the position after the first pass ends', async () => {
    api = await startFakeApi(senderApi('live'));
    const positions = (await read()).map((p) => p.position);
    expect(positions).toContainEqual({ pass: 1 });
  });

  it('refuses a saved position that is not one of its passes', () => {
    expect(() => checkResumePosition(def, { cursor: 'x' })).toThrow(/passes/);
    expect(() => checkResumePosition(def, { pass: 2 })).toThrow(/passes/);
    expect(() => checkResumePosition(def, { pass: 1, page: { offset: 3 } })).toThrow();
    expect(() => checkResumePosition(def, { pass: 1, page: { cursor: 'a+b/c==' } })).not.toThrow();
  });
});
