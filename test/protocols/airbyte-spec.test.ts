import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { httpUrl } from '../../src/core/version.js';
import { airbyteSpecMessage, connectionSpecification } from '../../src/protocols/airbyte/airbyte-spec.js';
import { airbyteMessageErrors, airbyteSchemaAjv } from './helpers/airbyte-protocol.js';

const SECRET_NAME = /token|key|secret|password|credential/i;

function keysDeep(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) keysDeep(item, found);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      found.push(key);
      keysDeep(value, found);
    }
  }
  return found;
}

describe('Airbyte SPEC', () => {
  const message = airbyteSpecMessage();
  const spec = connectionSpecification();

  it('is a valid AirbyteMessage whose documentationUrl is the package homepage, or absent without one', () => {
    expect(airbyteMessageErrors(message)).toEqual([]);
    const payload = message.spec as Record<string, unknown>;
    const homepage = (JSON.parse(readFileSync('package.json', 'utf8')) as { homepage?: string }).homepage;
    if (homepage === undefined) expect(payload).not.toHaveProperty('documentationUrl');
    else expect(payload.documentationUrl).toBe(new URL(homepage).href);
    const readme = 'https://example.org/cio-sync#readme';
    const published = airbyteSpecMessage(readme);
    expect(airbyteMessageErrors(published)).toEqual([]);
    expect((published.spec as Record<string, unknown>).documentationUrl).toBe(readme);
    expect(payload.supportsIncremental).toBe(true);
    expect(payload.supported_destination_sync_modes).toContain('append_dedup');
  });

  it('has no $ref and no TypeBox leftovers (anyOf of consts becomes an enum)', () => {
    const keys = keysDeep(spec);
    expect(keys).not.toContain('$ref');
    expect(keys).not.toContain('anyOf');
    expect(spec.properties?.region).toMatchObject({ type: 'string', enum: ['us', 'eu'], default: 'us' });
  });

  it('marks every secret-looking property airbyte_secret and puts no secret in a const', () => {
    const properties = spec.properties ?? {};
    const secretLooking = Object.keys(properties).filter((name) => SECRET_NAME.test(name));
    expect(secretLooking).toEqual(['access_token']);
    for (const name of secretLooking) expect(properties[name]?.airbyte_secret).toBe(true);
    expect(keysDeep(spec)).not.toContain('const');
  });

  it('requires only the token and leaves out the database-only settings', () => {
    expect(spec.required).toEqual(['access_token']);
    expect(Object.keys(spec.properties ?? {})).not.toEqual(expect.arrayContaining(['destination']));
    expect(spec.properties).not.toHaveProperty('schema');
    expect(spec.properties).not.toHaveProperty('streams');
  });

  it('validates the configs users write and rejects a wrong region', () => {
    const validate = airbyteSchemaAjv().compile(spec);
    expect(validate({ access_token: 'k', region: 'eu', start_date: '2024-01-01' })).toBe(true);
    expect(validate({ access_token: 'k', max_requests_per_second: 5, concurrency: 4 })).toBe(true);
    expect(validate({ access_token: 'k', region: 'mars' })).toBe(false);
    expect(validate({ region: 'us' })).toBe(false);
  });
});

describe('httpUrl (package.json homepage)', () => {
  it('takes only http(s) URLs', () => {
    expect(httpUrl('https://example.org/cio-sync#readme')).toBe('https://example.org/cio-sync#readme');
    for (const bad of [undefined, 42, '', 'README.md', 'file:///tmp/README.md', 'javascript:alert(1)']) {
      expect(httpUrl(bad)).toBeUndefined();
    }
  });
});
