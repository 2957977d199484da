import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDestination } from '../../src/config/destination.js';
import { runServe } from '../../src/serve/run-serve.js';
import { dropSchema, PG_URL, queryPostgres } from '../helpers/postgres.js';
import { eventSet, post, sendAll, signedHeaders } from '../helpers/webhook-events.js';

const KEY = 'pg-signing-key-0123456789';
const SCHEMA = `serve_test_${process.pid}`;

afterAll(() => dropSchema(SCHEMA));

describe('serve into PostgreSQL (in process)', () => {
  it('stores every event once, NUL and unicode included, sets bad bodies aside, refuses bad signatures', async () => {
    let stop = () => {};
    let listening: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const serving = runServe({
      destination: parseDestination(PG_URL, SCHEMA),
      keys: [KEY],
      maxBodyBytes: 5 * 1024 * 1024,
      listen: { host: '127.0.0.1', port: 0 },
      syncEveryMs: 0,
      runSync: () => Promise.reject(new Error('no sync here')),
      logger: pino({ level: 'silent' }),
      stopped: new Promise<void>((resolve) => {
        stop = resolve;
      }),
      onListening: (address) => listening(address),
    });
    const webhook = `${await url}/webhooks/customerio`;
    const events = eventSet(1500, 'PG');
    const nul = JSON.stringify({
      ...events[2]!.event,
      event_id: 'PG-NUL',
      data: { content: 'a\u0000b', odd: 'x\u0000' },
    });
    const answers = await sendAll(
      webhook,
      KEY,
      [...events, ...events.slice(0, 40), { eventId: 'PG-NUL', body: nul, event: {} }],
      8,
    );
    expect([...answers.values()].flat().every((status) => status === 200)).toBe(true);
    expect((await post(webhook, nul, signedHeaders('not-the-key-at-all', nul))).status).toBe(401);
    const notJson = '{"event_id": "PG-BROKEN", ';
    expect((await post(webhook, notJson, signedHeaders(KEY, notJson))).status).toBe(200);
    stop();
    await serving;

    const [counts] = await queryPostgres(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS ids FROM "${SCHEMA}".delivery_events`,
    );
    expect(counts).toEqual({ n: events.length + 1, ids: events.length + 1 });
    const rows = await queryPostgres(
      `SELECT event_id, campaign_id, journey_id, length(content) AS content_length, brand_new_field, odd,
         payload->'data'->>'brand_new_field' AS in_payload
       FROM "${SCHEMA}".delivery_events WHERE event_id IN ('PG000001', 'PG000010', 'PG-NUL') ORDER BY event_id`,
    );
    expect(rows).toEqual([
      expect.objectContaining({ event_id: 'PG-NUL', content_length: 3, odd: 'x\uFFFD' }),
      expect.objectContaining({
        event_id: 'PG000001',
        campaign_id: '7',
        journey_id: '15',
        content_length: 1024 * 1024 - 10 + '-ünïcødé'.length,
      }),
      expect.objectContaining({
        event_id: 'PG000010',
        brand_new_field: 'nouveau 10 ✨',
        in_payload: 'nouveau 10 ✨',
      }),
    ]);
    const rejected = await queryPostgres(`SELECT body FROM "${SCHEMA}"._cio_rejected_events`);
    expect(rejected).toEqual([{ body: notJson }]);
  });
});
