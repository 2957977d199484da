import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStartDate } from '../../src/config/dates.js';
import { parseDestination } from '../../src/config/destination.js';
import { resolveConfig } from '../../src/config/load.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const TOKEN = 'secret-token-1234';
const dir = scratchDir('config');

function configError(input: Parameters<typeof resolveConfig>[0]): { code: string; message: string } {
  try {
    resolveConfig({ now: NOW, ...input });
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a config error');
}

describe('resolveConfig', () => {
  it('applies defaults and layers file < env < flags', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ api_key: TOKEN, region: 'eu', start_date: '01/31/2024' }));
    const config = resolveConfig({ file, env: { CIO_REGION: 'us' }, flags: { concurrency: '4' }, now: NOW });
    expect(config).toMatchObject({
      access_token: TOKEN,
      region: 'us',
      start_date: new Date('2024-01-31T00:00:00Z'),
      destination: { kind: 'duckdb', path: 'customerio.duckdb' },
      max_requests_per_second: 10,
      concurrency: 4,
      schema: 'public',
      batch_size_rows: 10000,
    });
  });

  it('trims stray whitespace around the token', () => {
    expect(resolveConfig({ flags: { access_token: `  ${TOKEN}\n` }, now: NOW }).access_token).toBe(TOKEN);
  });

  it.each([
    [{}, /access_token is missing/],
    [{ access_token: '   ' }, /access_token is missing/],
    [{ access_token: TOKEN, region: 'ap' }, /region "ap" is unknown/],
    [{ access_token: TOKEN, start_date: '13/45/2020' }, /start_date "13\/45\/2020" is not a valid date/],
    [{ access_token: TOKEN, start_date: '2020-02-30' }, /does not exist/],
    [{ access_token: TOKEN, start_date: 'yesterday' }, /unknown format/],
    [{ access_token: TOKEN, start_date: '2030-01-01' }, /in the future/],
    [{ access_token: TOKEN, streams: 'campaigns,nope' }, /unknown table\(s\): nope/],
    [{ access_token: TOKEN, base_url: 'http://example.com' }, /plain http to a non-loopback host/],
    [{ access_token: TOKEN, base_url: 'not a url' }, /is not a URL/],
    [{ access_token: TOKEN, destination: 'mysql://x' }, /destination "mysql:\/\/x" is not usable/],
    [{ access_token: TOKEN, max_requests_per_second: '0' }, /max_requests_per_second/],
    [{ access_token: TOKEN, concurrency: 'lots' }, /concurrency/],
    [{ access_token: TOKEN, batch_size_rows: '0' }, /batch_size_rows/],
    [{ access_token: TOKEN, colour: 'blue' }, /unknown setting "colour"/],
  ])('rejects %j with one clear message', (flags, pattern) => {
    const error = configError({ flags });
    expect(error.code).toBe('CIO_ERR_CONFIG');
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain(TOKEN);
  });

  it('reports every problem at once', () => {
    const error = configError({ flags: { region: 'mars', start_date: 'soon' } });
    expect(error.message).toMatch(/access_token is missing/);
    expect(error.message).toMatch(/region "mars"/);
    expect(error.message).toMatch(/start_date "soon"/);
  });

  it('explains an unreadable or malformed config file', () => {
    expect(configError({ file: join(dir, 'missing.json') }).message).toMatch(/does not exist/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"access_token": ');
    expect(configError({ file: bad }).message).toMatch(/is not valid JSON/);
    writeFileSync(bad, '[1,2]');
    expect(configError({ file: bad }).message).toMatch(/must hold a JSON object/);
  });

  it('allows plain http only to loopback hosts', () => {
    for (const url of [
      'http://127.0.0.1:4010',
      'http://localhost:1',
      'http://[::1]:9',
      'https://api.customer.io',
    ]) {
      expect(resolveConfig({ flags: { access_token: TOKEN, base_url: url }, now: NOW }).base_url).toBe(url);
    }
  });
});

describe('parseStartDate', () => {
  it('accepts the three documented forms', () => {
    expect(parseStartDate('01/31/2024', NOW).toISOString()).toBe('2024-01-31T00:00:00.000Z');
    expect(parseStartDate('2024-01-31', NOW).toISOString()).toBe('2024-01-31T00:00:00.000Z');
    expect(parseStartDate('2024-01-31T12:30:00+02:00', NOW).toISOString()).toBe('2024-01-31T10:30:00.000Z');
  });

  it('reads an ISO 8601 date and time without a zone as UTC, and old dates as "everything"', () => {
    expect(parseStartDate('2024-01-31T12:30:00', NOW).toISOString()).toBe('2024-01-31T12:30:00.000Z');
    expect(parseStartDate('2024-01-31 12:30', NOW).toISOString()).toBe('2024-01-31T12:30:00.000Z');
    expect(parseStartDate('2024-01-31t12:30:00.250z', NOW).toISOString()).toBe('2024-01-31T12:30:00.250Z');
    expect(parseStartDate('2024-01-31T12:30:00+0200', NOW).toISOString()).toBe('2024-01-31T10:30:00.000Z');
    // The customary Singer default, before Customer.io existed.
    expect(parseStartDate('2000-01-01T00:00:00Z', NOW).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(() => parseStartDate('1969-12-31', NOW)).toThrow(/before 1970/);
  });

  it('rejects a date and time whose day does not exist, instead of rolling it over', () => {
    expect(() => parseStartDate('2024-02-30T00:00:00Z', NOW)).toThrow(/that day does not exist/);
    expect(() => parseStartDate('2023-04-31T10:00', NOW)).toThrow(/that day does not exist/);
  });

  it('round-trips every real calendar day and rejects rolled-over ones', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2010-01-01'), max: new Date('2026-05-31'), noInvalidDate: true }),
        (d) => {
          const day = d.toISOString().slice(0, 10);
          const [y, m, dd] = day.split('-');
          expect(parseStartDate(day, NOW).toISOString().slice(0, 10)).toBe(day);
          expect(parseStartDate(`${m}/${dd}/${y}`, NOW).toISOString().slice(0, 10)).toBe(day);
        },
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: 32, max: 99 }), (day) => {
        expect(() => parseStartDate(`2024-01-${day}`, NOW)).toThrow(/not a valid date/);
      }),
    );
  });
});

describe('parseDestination', () => {
  it('reads duckdb and postgres destinations and hides passwords in errors', () => {
    expect(parseDestination('duckdb:out/x.duckdb')).toEqual({ kind: 'duckdb', path: 'out/x.duckdb' });
    expect(parseDestination('warehouse.duckdb')).toEqual({ kind: 'duckdb', path: 'warehouse.duckdb' });
    expect(parseDestination('postgresql://u@h:5432/db').kind).toBe('postgres');
    expect(() => parseDestination('duckdb:')).toThrow(/no file name/);
    expect(() => parseDestination('ftp://user:hunter2@h/x')).toThrow(/ftp:\/\/user:\*\*\*@h\/x/);
  });

  it('is parsed once by the config, a PostgreSQL destination with its schema', () => {
    const config = resolveConfig({
      flags: { access_token: TOKEN, destination: 'postgres://u@h:5432/db', schema: 'raw' },
    });
    expect(config.destination).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db', schema: 'raw' });
  });
});
