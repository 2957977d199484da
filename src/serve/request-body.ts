import type { IncomingMessage } from 'node:http';

export type BodyRead =
  | { kind: 'body'; body: Buffer }
  | { kind: 'too_large' }
  | { kind: 'overloaded' }
  | { kind: 'aborted' };

/**
 * Bytes of request bodies the process holds at once (read, or waiting for their commit), across all
 * requests: a flood gets 503s instead of the memory.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}

/**
 * How much of an oversized body is read and thrown away (so the client, still sending, reads the
 * 413 instead of a reset), as a multiple of the limit; past it the connection is cut.
 */
const DISCARD_FACTOR = 4;

/**
 * Reads the request body, holding at most `maxBytes` of it: a body announced or found larger is
 * `too_large` as soon as that is known, with or without Content-Length (chunked bodies). The bytes
 * held are taken from `budget`; whoever gets a `body` gives its length back when done with it.
 */
export function readBody(req: IncomingMessage, maxBytes: number, budget: BodyBudget): Promise<BodyRead> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (read: BodyRead) => {
      if (settled) return;
      settled = true;
      resolve(read);
    };
    const declared = Number(req.headers['content-length']);
    let size = 0;
    let discarded = 0;
    let chunks: Buffer[] = [];
    const drop = (read: BodyRead) => {
      if (settled) return;
      budget.give(size);
      chunks = [];
      settle(read);
    };
    const tooLarge = () => drop({ kind: 'too_large' });
    if (Number.isFinite(declared) && declared > maxBytes) tooLarge();
    req.on('data', (chunk: Buffer) => {
      if (settled) {
        discarded += chunk.length;
        if (discarded > DISCARD_FACTOR * maxBytes) req.destroy();
        return;
      }
      if (size + chunk.length > maxBytes) return tooLarge();
      if (!budget.take(chunk.length)) return drop({ kind: 'overloaded' });
      size += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => settle({ kind: 'body', body: Buffer.concat(chunks, size) }));
    req.on('error', () => drop({ kind: 'aborted' }));
    req.on('close', () => drop({ kind: 'aborted' }));
  });
}
