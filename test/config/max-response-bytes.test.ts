import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../src/api/client.js';
import { resolveConfig } from '../../src/config/load.js';

const TOKEN = 'secret-token-1234';

describe('max_response_bytes', () => {
  it('defaults to the client default (64 MiB)', () => {
    const config = resolveConfig({ flags: { access_token: TOKEN } });
    expect(config.max_response_bytes).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('is set by CIO_MAX_RESPONSE_BYTES, and a flag wins over it', () => {
    const env = { CIO_MAX_RESPONSE_BYTES: '2000000' };
    expect(resolveConfig({ env, flags: { access_token: TOKEN } }).max_response_bytes).toBe(2_000_000);
    const flags = { access_token: TOKEN, max_response_bytes: '3000000' };
    expect(resolveConfig({ env, flags }).max_response_bytes).toBe(3_000_000);
  });

  it('refuses a value that is not a whole number of bytes from 1 KiB to 1 GiB', () => {
    for (const value of ['abc', '12.5', '10', String(2 * 1024 ** 3)]) {
      expect(() => resolveConfig({ flags: { access_token: TOKEN, max_response_bytes: value } })).toThrow(
        /max_response_bytes/,
      );
    }
  });
});
