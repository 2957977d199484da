/**
 * Customer.io's side of a reporting webhook: each event in order, one request at a time, signed
 * (HMAC-SHA256 of `v0:<timestamp>:<body>`, lower-case hex); a request not answered 2xx within 4 s is
 * retried with exponential backoff, and the events after it wait (customerio-beyond.md H.5, H.6).
 */
import { createHmac } from 'node:crypto';
import { Rng } from '../world/prng.js';
import type { WebhookEvent } from './events.js';

export interface SendOptions {
  url: string;
  key: string;
  events: readonly WebhookEvent[];
  /** Customer.io's timeout per request. */
  timeoutMs?: number;
  /** First retry delay; doubles per failure up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Probability that an acknowledged event is sent once more (Customer.io delivers at least once). */
  duplicateRate?: number;
  /** Events per second at most (0: as fast as answers come). */
  rate?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Told each acknowledged event (a repeat too). */
  onAck?(event: WebhookEvent, status: number): void;
  /** Told each failed attempt before its retry. */
  onRetry?(event: WebhookEvent, reason: string, delayMs: number): void;
}

export interface SendResult {
  sent: number;
  duplicates: number;
  retries: number;
}

export function signWebhook(key: string, timestamp: string, body: string): string {
  return createHmac('sha256', key).update(`v0:${timestamp}:${body}`).digest('hex');
}

/** Sends every event; resolves when all were acknowledged (or the signal aborted). */
export async function sendWebhooks(opts: SendOptions): Promise<SendResult> {
  const result: SendResult = { sent: 0, duplicates: 0, retries: 0 };
  const random = new Rng(opts.seed ?? 1);
  const gapMs = opts.rate && opts.rate > 0 ? 1000 / opts.rate : 0;
  for (const event of opts.events) {
    if (opts.signal?.aborted) break;
    const started = Date.now();
    await deliver(opts, event, result);
    result.sent++;
    if (random.next() < (opts.duplicateRate ?? 0)) {
      await deliver(opts, event, result);
      result.duplicates++;
    }
    const wait = gapMs - (Date.now() - started);
    if (wait > 0) await sleep(wait, opts.signal);
  }
  return result;
}

async function deliver(opts: SendOptions, event: WebhookEvent, result: SendResult): Promise<void> {
  let delay = opts.backoffMs ?? 250;
  for (;;) {
    if (opts.signal?.aborted) return;
    const timestamp = String(Math.floor(Date.now() / 1000));
    let reason: string;
    try {
      const response = await fetch(opts.url, {
        method: 'POST',
        body: event.body,
        headers: {
          'content-type': 'application/json',
          'x-cio-timestamp': timestamp,
          'x-cio-signature': signWebhook(opts.key, timestamp, event.body),
        },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 4000),
      });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) {
        opts.onAck?.(event, response.status);
        return;
      }
      reason = `HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      reason = cause?.code ?? (error as Error).name;
    }
    result.retries++;
    opts.onRetry?.(event, reason, delay);
    await sleep(delay, opts.signal);
    delay = Math.min(delay * 2, opts.maxBackoffMs ?? 8000);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
