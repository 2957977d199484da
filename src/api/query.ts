import type { QueryValue } from './types.js';

/** `?a=1&b=x` in insertion order, skipping undefined values; '' when nothing is left. */
export function buildQueryString(query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return '';
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}
