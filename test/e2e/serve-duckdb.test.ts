import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendWebhooks, startSimulator, webhookEvents } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { startServe } from '../helpers/serve.js';
import { eventSet, post, sendAll, signedHeaders } from '../helpers/webhook-events.js';

const KEY = 'whsec-old-key-0123456789';
const ROTATED = 'whsec-new-key-9876543210';
const dir = scratchDir('serve-duckdb');
const hmacHex = (text: string) => createHmac('sha256', KEY).update(text).digest('hex');

/** A request whose body arrives in two parts, the second only when `finish` is called. */
function slowPost(url: string, body: string, headers: Record<string, string>) {
  const bytes = Buffer.from(body);
  let finish = () => {};
  const answer = new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(bytes.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.write(bytes.subarray(0, 10));
    finish = () => req.end(bytes.subarray(10));
  });
  return { answer, finish: () => finish() };
}

describe('cio-sync serve into DuckDB', () => {
  it('refuses to start without a signing key (exit 2), saying where to set it', async () => {
    const result = await runCli(['serve', '--sync-every', '0', '-d', `duckdb:${join(dir, 'none.duckdb')}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/CIO_WEBHOOK_SIGNING_KEY/);
  });

  it('takes the signing keys from the config file too, any of them valid, and never logs them', async () => {
    const config = join(dir, 'serve-config.json');
    writeFileSync(config, JSON.stringify({ webhook_signing_key: `${KEY},${ROTATED}` }));
    const file = join(dir, 'config.duckdb');
    const serve = await startServe(
      ['-c', config, '-d', `duckdb:${file}`, '--listen', '127.0.0.1:0', '--sync-every', '0'],
      {},
    );
    const [event] = eventSet(1, 'CFG', false);
    expect((await post(serve.webhook, event!.body, signedHeaders(ROTATED, event!.body))).status).toBe(200);
    expect(
      (await post(serve.webhook, event!.body, signedHeaders('not-a-configured-key', event!.body))).status,
    ).toBe(401);
    serve.child.kill('SIGTERM');
    const exit = await serve.result;
    expect(exit.code).toBe(0);
    expect(exit.stderr).not.toContain(KEY);
    expect(exit.stderr).not.toContain(ROTATED);
  });

  it('stores thousands of events exactly once, refuses bad requests, keeps bad bodies aside, stops cleanly', async () => {
    const file = join(dir, 'events.duckdb');
    const serve = await startServe(
      ['--destination', `duckdb:${file}`, '--listen', '127.0.0.1:0', '--sync-every', '0'],
      { CIO_WEBHOOK_SIGNING_KEY: `${KEY}, ${ROTATED}` },
    );
    const events = eventSet(2000, 'EV');
    const answers = await sendAll(serve.webhook, KEY, events, 16);
    expect([...answers.values()].flat().every((status) => status === 200)).toBe(true);
    expect(answers.size).toBe(events.length);
    // Customer.io retries: the same events again are acknowledged and not stored twice.
    const repeats = await sendAll(serve.webhook, ROTATED, events.slice(0, 50), 4);
    expect([...repeats.values()].flat().every((status) => status === 200)).toBe(true);

    const [probe] = eventSet(1, 'BAD', false);
    const body = probe!.body;
    const good = signedHeaders(KEY, body);
    const refused: [string, Record<string, string>][] = [
      ['no headers', { 'content-type': 'application/json' }],
      ['no timestamp', { 'x-cio-signature': good['x-cio-signature']! }],
      ['no signature', { 'x-cio-timestamp': good['x-cio-timestamp']! }],
      ['wrong key', signedHeaders('another-key-entirely', body)],
      ['upper-case hex', { ...good, 'x-cio-signature': good['x-cio-signature']!.toUpperCase() }],
      ['prefixed', { ...good, 'x-cio-signature': `v0=${good['x-cio-signature']}` }],
      ['truncated hex', { ...good, 'x-cio-signature': good['x-cio-signature']!.slice(0, 63) }],
      ['another version', { ...good, 'x-cio-signature': hmacHex(`v1:${good['x-cio-timestamp']}:${body}`) }],
      ['timestamp not the signed one', { ...good, 'x-cio-timestamp': '1700000001' }],
      ['signature of another body', signedHeaders(KEY, `${body} `)],
    ];
    for (const [why, headers] of refused) {
      expect((await post(serve.webhook, body, headers)).status, why).toBe(401);
    }
    const huge = JSON.stringify({ ...probe!.event, data: { content: 'y'.repeat(5 * 1024 * 1024) } });
    expect((await post(serve.webhook, huge, signedHeaders(KEY, huge))).status).toBe(413);
    expect((await post(serve.webhook, huge, signedHeaders(KEY, huge), { chunked: true })).status).toBe(413);
    // Signed but not events: acknowledged (a 4xx would stall the sender for an hour) and set aside.
    for (const notEvent of ['not json at all', '[1,2,3]', JSON.stringify({ ...probe!.event, event_id: 7 })]) {
      const answer = await post(serve.webhook, notEvent, signedHeaders(KEY, notEvent));
      expect(answer).toEqual({ status: 200, body: '{"status":"rejected"}' });
    }

    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toContain(`cio_webhook_events_stored_total ${events.length}`);
    expect(metrics).toContain('cio_webhook_events_duplicate_total 50');
    expect(metrics).toContain('cio_webhook_requests_refused_total{reason="bad_signature"} 10');
    expect(metrics).toContain('cio_webhook_requests_refused_total{reason="too_large"} 2');
    expect(metrics).toMatch(/cio_webhook_ack_seconds_count \d+/);
    expect(metrics).not.toContain(KEY);
    expect(metrics).not.toContain(ROTATED);

    // SIGTERM while a body is still arriving: that request gets its 2xx, then the process exits 0.
    const [last] = eventSet(1, 'LAST', false);
    const slow = slowPost(serve.webhook, last!.body, signedHeaders(ROTATED, last!.body));
    await new Promise((resolve) => setTimeout(resolve, 200));
    serve.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    slow.finish();
    expect(await slow.answer).toBe(200);
    const exit = await serve.result;
    expect(exit.code).toBe(0);
    expect(exit.stderr).not.toContain(KEY);
    expect(exit.stderr).not.toContain(ROTATED);

    const counts = await queryDuckDb(
      file,
      `SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids, (count(*) FILTER (WHERE event_id LIKE 'BAD%'))::INTEGER AS bad FROM delivery_events`,
    );
    expect(counts).toEqual([{ n: events.length + 1, ids: events.length + 1, bad: 0 }]);
    const rows = await queryDuckDb(
      file,
      `SELECT event_id, object_type, metric, campaign_id::INTEGER AS campaign_id, journey_id, length(content)::INTEGER AS content_length,
        brand_new_field, cio_id, json_extract_string(payload, '$.data.brand_new_field') AS in_payload,
        epoch("timestamp")::INTEGER AS at
       FROM delivery_events WHERE event_id IN ('EV000000', 'EV000001', 'EV000010') ORDER BY event_id`,
    );
    expect(rows[0]).toMatchObject({
      object_type: 'email',
      metric: 'drafted',
      brand_new_field: 'nouveau 0 ✨',
      in_payload: 'nouveau 0 ✨',
      cio_id: 'cio0',
      at: 1_700_000_000,
    });
    // The campaign branch sends campaign_id "7" and journey_id 15: an integer id, a text journey.
    expect(rows[1]).toMatchObject({
      campaign_id: 7,
      journey_id: '15',
      content_length: 1024 * 1024 - 10 + '-ünïcødé'.length,
    });
    expect(rows[2]).toMatchObject({ brand_new_field: 'nouveau 10 ✨' });
    const kinds = await queryDuckDb(
      file,
      `SELECT count(DISTINCT object_type || '/' || metric)::INTEGER AS combos,
        (count(*) FILTER (WHERE object_type = 'customer' AND metric = 'cio_subscription_preferences_changed'))::INTEGER AS typo,
        (count(*) FILTER (WHERE object_type = 'push' AND metric = 'drafted'))::INTEGER AS push_drafted
       FROM delivery_events`,
    );
    // 13 + 11 + 10 + 12 + 6 + 6 + 8 channel metrics, 3 customer metrics, subscribed on a channel.
    expect(kinds).toEqual([{ combos: 70, typo: expect.any(Number), push_drafted: expect.any(Number) }]);
    expect(Number(kinds[0]!.typo)).toBeGreaterThan(0);
    const rejected = await queryDuckDb(file, 'SELECT reason FROM _cio_rejected_events ORDER BY reason');
    expect(rejected.map((row) => row.reason)).toEqual([
      'not a reporting-webhook event: event_id is not a non-empty string',
      'not a reporting-webhook event: the body is not a JSON object',
      expect.stringMatching(/^the body is not JSON/),
    ]);
  });

  it('loses no acknowledged event to SIGKILL; after a restart on the same port the sender completes, beside a scheduled sync', async () => {
    const sim = await startSimulator({ rps: 0, scale: 0.05, seed: 3 });
    try {
      const file = join(dir, 'kill.duckdb');
      const events = webhookEvents(sim.truth().messages, 3);
      expect(events.length).toBeGreaterThan(150);
      const env = { CIO_WEBHOOK_SIGNING_KEY: KEY, CIO_ACCESS_TOKEN: sim.token };
      const args = (listen: string) => [
        '--destination',
        `duckdb:${file}`,
        '--listen',
        listen,
        '--sync-every',
        '1h',
        '--base-url',
        sim.url,
        '--max-requests-per-second',
        '1000',
      ];
      let serve = await startServe(args('127.0.0.1:0'), env);
      const port = new URL(serve.url).port;
      const acked = new Set<string>();
      let killedAt = -1;
      const sending = sendWebhooks({
        url: serve.webhook,
        key: KEY,
        events,
        backoffMs: 50,
        maxBackoffMs: 400,
        duplicateRate: 0.05,
        onAck: (event) => {
          acked.add(event.eventId);
          if (acked.size === 60 && killedAt < 0) {
            killedAt = acked.size;
            serve.child.kill('SIGKILL');
          }
        },
      });
      const killed = await serve.result;
      expect(killed.signal).toBe('SIGKILL');
      const ackedBeforeRestart = [...acked];
      const present = await queryDuckDb(
        file,
        'SELECT event_id, count(*) AS n FROM delivery_events GROUP BY event_id',
      );
      const stored = new Map(present.map((row) => [String(row.event_id), Number(row.n)]));
      for (const id of ackedBeforeRestart) expect(stored.get(id), id).toBe(1);

      serve = await startServe(args(`127.0.0.1:${port}`), env);
      const sent = await sending;
      expect(sent.retries).toBeGreaterThan(0);
      serve.child.kill('SIGTERM');
      expect((await serve.result).code).toBe(0);
      const [summary] = await queryDuckDb(
        file,
        `SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids,
          (count(*) FILTER (WHERE delivery_id IS NOT NULL AND delivery_id NOT IN (SELECT id FROM messages)))::INTEGER AS unjoined
         FROM delivery_events`,
      );
      expect(summary).toEqual({ n: events.length, ids: events.length, unjoined: 0 });
    } finally {
      await sim.stop();
    }
  });
});
