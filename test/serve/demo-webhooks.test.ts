import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { demoWebhooks } from '../../src/cli/demo-webhooks.js';
import { parseDestination } from '../../src/config/destination.js';
import { startSimulator } from '../../src/sim/index.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const dir = scratchDir('demo-webhooks');

describe("the demo's webhook part", () => {
  it('serves, sends the latest events, shows each one arriving, and stores each once', async () => {
    const sim = await startSimulator({ rps: 0, scale: 0.05, seed: 5 });
    try {
      const file = join(dir, 'demo.duckdb');
      const lines: string[] = [];
      const summary = await demoWebhooks(
        sim,
        parseDestination(`duckdb:${file}`),
        20,
        pino({ level: 'silent' }),
        (line) => lines.push(line),
      );
      expect(summary).toMatch(
        /^Received 20 reporting-webhook events into delivery_events \(\d+ delivered twice, stored once\)\.$/,
      );
      expect(lines.filter((line) => / stored$/.test(line))).toHaveLength(20);
      const ids = new Set(sim.truth().messages.map((message) => String(message.id)));
      const rows = await queryDuckDb(file, 'SELECT event_id, delivery_id FROM delivery_events');
      expect(rows).toHaveLength(20);
      for (const row of rows)
        if (row.delivery_id !== null) expect(ids.has(String(row.delivery_id))).toBe(true);
    } finally {
      await sim.stop();
    }
  });
});
