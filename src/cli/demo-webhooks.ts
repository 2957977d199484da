import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Destination } from '../config/destination.js';
import { runServe } from '../serve/run-serve.js';
import { type Simulator, sendWebhooks, webhookEvents } from '../sim/index.js';

/**
 * The demo's second part: `serve` receives the simulator's latest `count` reporting-webhook events,
 * sent one at a time and signed as Customer.io does, and each is shown as it is acknowledged.
 * Returns the line that sums it up.
 */
export async function demoWebhooks(
  sim: Simulator,
  destination: Destination,
  count: number,
  logger: Logger,
  write: (line: string) => void,
): Promise<string> {
  // A key of the demo's own: it signs and checks these requests and is never shown.
  const key = randomBytes(24).toString('hex');
  const events = webhookEvents(sim.truth().messages).slice(-count);
  let stop = () => {};
  let listening: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const serving = runServe({
    destination,
    keys: [key],
    maxBodyBytes: 5 * 1024 * 1024,
    listen: { host: '127.0.0.1', port: 0 },
    syncEveryMs: 0,
    runSync: () => Promise.reject(new Error('the demo syncs before it serves')),
    logger,
    stopped: new Promise<void>((resolve) => {
      stop = resolve;
    }),
    onListening: (address) => listening(address),
  });
  const webhook = `${await Promise.race([url, serving.then(() => '')])}/webhooks/customerio`;
  const seen = new Set<string>();
  try {
    const sent = await sendWebhooks({
      url: webhook,
      key,
      events,
      duplicateRate: 0.05,
      onAck: (event) => {
        const { object_type: type, metric } = JSON.parse(event.body) as Record<string, string>;
        const repeat = seen.has(event.eventId);
        seen.add(event.eventId);
        write(
          `  webhook event ${event.eventId} ${type}/${metric} ${repeat ? 'delivered again, kept once' : 'stored'}`,
        );
      },
    });
    return `Received ${sent.sent} reporting-webhook events into delivery_events (${sent.duplicates} delivered twice, stored once).`;
  } finally {
    stop();
    await serving;
  }
}
