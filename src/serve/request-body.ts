import type { IncomingMessage } from 'node:http';

export type BodyRead = { kind: 'body'; body: Buffer } | { kind: 'too_large' } | { kind: 'aborted' };

/**
 * How much of an oversized body is read and thrown away (so the client, still sending, reads the
 * 413 instead of a reset), as a multiple of the limit; past it the connection is cut.
 */
const DISCARD_FACTOR = 4;

/**
 * Reads the request body, holding at most `maxBytes` of it: a body announced or found larger is
 * `too_large` as soon as that is known, with or without Content-Length (chunked bodies).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
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
    const tooLarge = () => {
      chunks = [];
      settle({ kind: 'too_large' });
    };
    if (Number.isFinite(declared) && declared > maxBytes) tooLarge();
    req.on('data', (chunk: Buffer) => {
      if (settled) {
        discarded += chunk.length;
        if (discarded > DISCARD_FACTOR * maxBytes) req.destroy();
        return;
      }
      size += chunk.length;
      if (size > maxBytes) return tooLarge();
      chunks.push(chunk);
    });
    req.on('end', () => settle({ kind: 'body', body: Buffer.concat(chunks, size) }));
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => settle({ kind: 'aborted' }));
  });
}
