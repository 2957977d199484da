import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';

/** The settings of reads of what changed: defaults, environment, flags, and what is refused. */
const TOKEN = 'a-token-long-enough';

describe('full_refresh_days, messages_rescan_days, customers_refresh', () => {
  it('default to a complete read every 7 days, a 7-day rescan and full customers', () => {
    const config = resolveConfig({ flags: { access_token: TOKEN } });
    expect([config.full_refresh_days, config.messages_rescan_days, config.customers_refresh]).toEqual([
      7,
      7,
      'full',
    ]);
  });

  it('are set by the environment, a flag winning over its variable', () => {
    const env = {
      CIO_FULL_REFRESH_DAYS: '3',
      CIO_MESSAGES_RESCAN_DAYS: '2.5',
      CIO_CUSTOMERS_REFRESH: ' Changes ',
    };
    const config = resolveConfig({ env, flags: { access_token: TOKEN, full_refresh_days: '0' } });
    expect([config.full_refresh_days, config.messages_rescan_days, config.customers_refresh]).toEqual([
      0,
      2.5,
      'changes',
    ]);
  });

  it('refuses values they cannot mean, naming the setting', () => {
    expect(() => resolveConfig({ flags: { access_token: TOKEN, customers_refresh: 'sometimes' } })).toThrow(
      'customers_refresh "sometimes" is unknown. Use "full" or "changes".',
    );
    expect(() => resolveConfig({ flags: { access_token: TOKEN, messages_rescan_days: '365' } })).toThrow(
      /messages_rescan_days/,
    );
    expect(() => resolveConfig({ flags: { access_token: TOKEN, full_refresh_days: '-1' } })).toThrow(
      /full_refresh_days/,
    );
  });
});
