import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseDestination } from '../../src/config/destination.js';
import type { SyncResult } from '../../src/engine/sync.js';
import { runServe } from '../../src/serve/run-serve.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { eventSet, signedHeaders } from '../helpers/webhook-events.js';

const KEY = 'tls-signing-key-0123456789';
const dir = scratchDir('serve-tls');

describe('serve over TLS, with a scheduled sync', () => {
  it('answers over HTTPS with --tls-cert/--tls-key and reports each scheduled sync in /metrics', async () => {
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    let stop = () => {};
    let listening: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => {
      listening = resolve;
    });
    let syncs = 0;
    const serving = runServe({
      destination: parseDestination(`duckdb:${join(dir, 'tls.duckdb')}`),
      keys: [KEY],
      maxBodyBytes: 1024 * 1024,
      listen: { host: '127.0.0.1', port: 0 },
      tls: { cert: readFileSync(cert), key: readFileSync(key) },
      syncEveryMs: 20,
      runSync: async () => {
        syncs++;
        const now = new Date();
        return {
          runId: `r${syncs}`,
          startedAt: now,
          finishedAt: now,
          status: 'succeeded',
          streams: {},
          requests: 0,
          rateLimited: 0,
        } satisfies SyncResult;
      },
      logger: pino({ level: 'silent' }),
      stopped: new Promise<void>((resolve) => {
        stop = resolve;
      }),
      onListening: (address) => listening(address),
    });
    const base = await url;
    expect(base).toMatch(/^https:\/\//);
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const [event] = eventSet(1, 'TLS', false);
    const posted = await request(`${base}/webhooks/customerio`, {
      method: 'POST',
      body: event!.body,
      headers: signedHeaders(KEY, event!.body),
      dispatcher,
    });
    expect(await posted.body.json()).toEqual({ status: 'stored' });
    while (syncs < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    const metrics = await (await request(`${base}/metrics`, { dispatcher })).body.text();
    expect(metrics).toContain('cio_sync_last_status{status="succeeded"} 1');
    expect(metrics).toContain('cio_table_rows{table="delivery_events"} 1');
    await dispatcher.close();
    stop();
    await serving;
  });
});
