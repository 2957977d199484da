import { isRecord } from '../core/json.js';

/** Longest API error text quoted in our messages: enough for "(reference xxxxxx)", not a whole HTML page. */
const MAX_DETAIL_LENGTH = 300;

function firstString(record: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/**
 * The human text of a Customer.io error body, in the shapes the vendor documents:
 * `{"errors":[{"detail":...}]}` (the standard envelope), `{"meta":{"error":...}}`, and the
 * `error`/`message` keys other clients look for. Undefined when the body has none of them.
 */
export function apiErrorDetail(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  let detail: string | undefined;
  if (Array.isArray(body.errors)) {
    const texts = body.errors
      .filter(isRecord)
      .map((error) => firstString(error, ['detail', 'title', 'message']))
      .filter((text): text is string => text !== undefined);
    if (texts.length > 0) detail = texts.join('; ');
  }
  if (detail === undefined && isRecord(body.meta)) detail = firstString(body.meta, ['error']);
  detail ??= firstString(body, ['error', 'message']);
  if (detail === undefined) return undefined;
  return detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH)}...` : detail;
}
