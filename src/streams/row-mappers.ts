import { CioError } from '../core/errors.js';
import { reportingWebhooksSchema } from './schemas/reporting-webhooks.js';
import { recordToRow } from './transform.js';
import type { Row } from './types.js';

// scheme://userinfo@host…: the userinfo ends at the last '@' before the first '/', '?' or '#'.
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/** Removes `user:password@` from a URL; anything that is not such a URL is returned unchanged. */
export function stripUrlCredentials(url: string): string {
  return url.replace(URL_USERINFO, '$1');
}

/** The IP list is an array of strings: each becomes `{id: "<address>"}`. */
export function ipAddressToRow(record: unknown): Row {
  if (typeof record !== 'string' || record === '') {
    throw new CioError('CIO_ERR_BAD_RESPONSE', `expected an IP address string, got ${typeof record}`);
  }
  return { id: record };
}

/** Webhook endpoints may embed basic-auth credentials: they must not reach the destination. */
export function reportingWebhookToRow(record: unknown): Row {
  const row = recordToRow(record, reportingWebhooksSchema);
  if (typeof row.endpoint === 'string') row.endpoint = stripUrlCredentials(row.endpoint);
  return row;
}
