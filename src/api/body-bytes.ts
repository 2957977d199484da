/**
 * Response bodies joined into one reused buffer. A page is ~600 KB that lives only while it is
 * parsed; allocating it afresh per page costs fresh memory and its page faults each time (6-7 % of
 * a 1,000,000-message sync's user CPU). One buffer, grown to the largest body seen, does without.
 */

/** Bodies larger than this are joined into a buffer of their own, so one huge body is not kept. */
const MAX_REUSED_BYTES = 16 * 1024 * 1024;

let reused = Buffer.alloc(0);

/**
 * Reads a response body to its end, as the chunks received; undefined once it passes `maxBytes`.
 * Reading stops there (leaving the loop destroys the body), so a runaway body costs at most
 * `maxBytes` and one chunk of memory.
 */
export async function readChunks(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<Buffer[] | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    if (length > maxBytes) return undefined;
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  }
  return chunks;
}

/**
 * Calls `use` with the chunks joined. The buffer is reused by the next call, so `use` must be
 * synchronous and keep nothing that views it (strings decoded from it are copies).
 */
export function withJoined<T>(chunks: readonly Buffer[], use: (bytes: Buffer) => T): T {
  if (chunks.length === 1) return use(chunks[0] as Buffer);
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  if (length > MAX_REUSED_BYTES) return use(Buffer.concat(chunks, length));
  if (reused.length < length) reused = Buffer.allocUnsafe(Math.max(length, reused.length * 2));
  let offset = 0;
  for (const chunk of chunks) offset += chunk.copy(reused, offset);
  return use(reused.subarray(0, length));
}
