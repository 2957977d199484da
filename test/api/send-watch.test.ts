import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchSend } from '../../src/api/send-watch.js';

describe('watchSend (undici diagnostics channel, real loopback HTTP)', () => {
  const server = createServer((_req, res) => {
    // Answers after a pause, so a send must be seen well before the response.
    setTimeout(() => res.end('{}'), 50);
  });
  let origin = '';
  let pool: Pool;
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // One connection: the second request reuses the first one's.
    pool = new Pool(origin, { connections: 1 });
  });
  afterAll(async () => {
    await pool.close();
    server.close();
  });

  it('reports the moment the matching request is written, before its response', async () => {
    let sentAt = Number.NaN;
    let otherSent = false;
    const stop = watchSend(origin, 'GET', '/v1/a?x=1', () => {
      sentAt = performance.now();
    });
    const stopOther = watchSend(origin, 'GET', '/v1/b', () => {
      otherSent = true;
    });
    const before = performance.now();
    const response = await pool.request({ path: '/v1/a?x=1', method: 'GET' });
    const answeredAt = performance.now();
    await response.body.text();
    stop();
    stopOther();
    expect(sentAt).toBeGreaterThanOrEqual(before);
    expect(answeredAt - sentAt).toBeGreaterThanOrEqual(40);
    // A request for another path is not this one.
    expect(otherSent).toBe(false);
  });

  it('says whether the request is the first on its connection', async () => {
    const fresh: boolean[] = [];
    const other = new Pool(origin, { connections: 1 });
    try {
      for (const path of ['/v1/d', '/v1/e']) {
        const stop = watchSend(origin, 'GET', path, (isFresh) => fresh.push(isFresh));
        await (await other.request({ path, method: 'GET' })).body.text();
        stop();
      }
    } finally {
      await other.close();
    }
    expect(fresh).toEqual([true, false]);
  });

  it('a stopped watch is not called', async () => {
    let called = false;
    const stop = watchSend(origin, 'GET', '/v1/c', () => {
      called = true;
    });
    stop();
    await (await pool.request({ path: '/v1/c', method: 'GET' })).body.text();
    expect(called).toBe(false);
  });
});
