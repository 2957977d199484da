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
    pool = new Pool(origin, { connections: 2 });
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
    // Another path, or the same one on another origin, is not this request.
    expect(otherSent).toBe(false);
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
