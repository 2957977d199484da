import { createHmac, timingSafeEqual } from 'node:crypto';

/** A signature as Customer.io sends it: the lower-case hex of an HMAC-SHA256 (32 bytes). */
const HEX_DIGEST = /^[0-9a-f]{64}$/;

/** The HMAC-SHA256 of `v0:<timestamp>:<body>` under `key` (customerio-beyond.md H.5). */
export function signatureOf(key: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`v0:${timestamp}:`).update(body).digest();
}

/**
 * Whether `signature` signs `body` sent at `timestamp` under one of `keys` (several while a key is
 * rotated). Every key is tried, and each comparison takes the same time whatever the bytes, so
 * neither the answer's timing nor which key matched tells anything about a key.
 */
export function verifySignature(
  keys: readonly string[],
  timestamp: string | undefined,
  signature: string | undefined,
  body: Buffer,
): boolean {
  if (timestamp === undefined || timestamp === '' || signature === undefined) return false;
  if (!HEX_DIGEST.test(signature)) return false;
  const given = Buffer.from(signature, 'hex');
  let valid = false;
  for (const key of keys) {
    if (timingSafeEqual(signatureOf(key, timestamp, body), given)) valid = true;
  }
  return valid;
}

/** The keys of the `webhook_signing_key` setting: comma-separated, blanks ignored. */
export function signingKeys(setting: string | undefined): string[] {
  return (setting ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
}
