import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signingKeys, verifySignature } from '../../src/serve/signature.js';

const KEY = 'signing-key-one';
const body = Buffer.from('{"event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQJ"}');
const hex = (text: string, key = KEY) => createHmac('sha256', key).update(text).digest('hex');
const good = hex(`v0:1613063089:${body.toString()}`);

describe('verifySignature', () => {
  it('accepts the lower-case hex HMAC-SHA256 of v0:<timestamp>:<raw body>, under any rotated key', () => {
    expect(verifySignature([KEY], '1613063089', good, body)).toBe(true);
    expect(verifySignature(['old-key-0000', KEY], '1613063089', good, body)).toBe(true);
  });

  it.each([
    ['no timestamp', undefined, good],
    ['empty timestamp', '', good],
    ['no signature', '1613063089', undefined],
    ['another timestamp than the signed one', '1613063090', good],
    ['upper-case hex', '1613063089', good.toUpperCase()],
    ['a prefix', '1613063089', `sha256=${good}`],
    ['too short', '1613063089', good.slice(2)],
    ['not hex', '1613063089', 'z'.repeat(64)],
    ['another version', '1613063089', hex(`v1:1613063089:${body.toString()}`)],
    ['another key', '1613063089', hex(`v0:1613063089:${body.toString()}`, 'other-key')],
  ])('refuses %s', (_why, timestamp, signature) => {
    expect(verifySignature([KEY], timestamp, signature, body)).toBe(false);
  });

  it('refuses a signature over another body', () => {
    expect(verifySignature([KEY], '1613063089', good, Buffer.from(`${body.toString()} `))).toBe(false);
  });

  it('reads comma-separated keys, ignoring blanks', () => {
    expect(signingKeys(' a-key , ,b-key,')).toEqual(['a-key', 'b-key']);
    expect(signingKeys(undefined)).toEqual([]);
  });
});
