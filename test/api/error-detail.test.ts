import { describe, expect, it } from 'vitest';
import { apiErrorDetail } from '../../src/api/error-detail.js';

describe('apiErrorDetail', () => {
  it.each<[string, unknown, string | undefined]>([
    [
      'standard envelope',
      { errors: [{ detail: 'rate limited to 10 requests per 1s (reference a1b2c3)', status: '429' }] },
      'rate limited to 10 requests per 1s (reference a1b2c3)',
    ],
    ['several errors', { errors: [{ detail: 'a' }, { status: '422' }, { detail: 'b' }] }, 'a; b'],
    ['transactional meta.error', { meta: { error: 'template not found' } }, 'template not found'],
    ['error key', { error: 'nope' }, 'nope'],
    ['message key', { message: 'nope' }, 'nope'],
    ['nothing useful', { errors: [{ status: '500' }] }, undefined],
    ['not an object', 'gateway timeout', undefined],
    ['null', null, undefined],
  ])('%s', (_name, body, expected) => {
    expect(apiErrorDetail(body)).toBe(expected);
  });

  it('shortens a very long text', () => {
    const detail = apiErrorDetail({ errors: [{ detail: 'x'.repeat(5000) }] }) ?? '';
    expect(detail.length).toBeLessThan(310);
    expect(detail.endsWith('...')).toBe(true);
  });
});
