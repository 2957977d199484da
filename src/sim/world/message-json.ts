/**
 * A drawn message as JSON bytes, for the feed pages: byte for byte what JSON.stringify of
 * MessageTable.get gives, written straight into the page buffer (see json-bytes.ts for why).
 */

import { type CustomerTable, IDENTITY_CIO_ONLY, IDENTITY_FULL } from './customers.js';
import {
  fragment,
  type JsonBytes,
  putBase64url,
  putBytes,
  putCopy,
  putHex8,
  putNumber,
  putPadded,
} from './json-bytes.js';
import {
  type Draw,
  FAILURE_MESSAGES,
  LATER_METRICS,
  METRIC_SLOTS,
  SECONDARY_METRICS,
  SLACK_CHANNEL,
  TO_EMAIL,
  TO_PHONE,
  TO_SLACK,
  TO_WEBHOOK,
  TYPE_NAMES,
  WEBHOOK_URL,
} from './message-draws.js';
import { SUBJECTS } from './vocab.js';

/** UTF-8 JSON of the vocabulary strings (they hold quotes and non-ASCII). */
const SUBJECTS_JSON = SUBJECTS.map((s) => fragment(JSON.stringify(s)));
const FAILURE_MESSAGES_JSON = FAILURE_MESSAGES.map((s) => fragment(JSON.stringify(s)));
const TYPES_JSON = TYPE_NAMES.map((name) => fragment(JSON.stringify(name)));
const METRIC_KEYS = METRIC_SLOTS.map((name) => fragment(`${JSON.stringify(name)}:`));
const LATER_KEYS = LATER_METRICS.map((name) => fragment(`${JSON.stringify(name)}:`));
const SECONDARY_KEYS = SECONDARY_METRICS.map((name) => (name ? fragment(`,${JSON.stringify(name)}:`) : null));

/** The fixed pieces of a message's JSON, in field order (see writeMessageJson). */
const K_ID = fragment('{"id":"');
const K_DEDUPLICATE_ID = fragment('=","deduplicate_id":"');
const K_CREATED = fragment('","created":');
const K_TYPE = fragment(',"type":');
const K_RECIPIENT = fragment(',"recipient":');
const K_UNKNOWN_DOMAIN = fragment('@unknown.example.com');
const K_PHONE = fragment('"+1555');
const K_WEBHOOK = fragment(JSON.stringify(WEBHOOK_URL));
const K_SLACK = fragment(JSON.stringify(SLACK_CHANNEL));
const K_SUBJECT = fragment(',"subject":');
const K_CUSTOMER_ID = fragment(',"customer_id":');
const K_IDENTIFIERS = fragment(',"customer_identifiers":');
const K_IDENTIFIERS_ID = fragment('{"id":');
const K_IDENTIFIERS_EMAIL = fragment(',"email":');
const K_IDENTIFIERS_CIO_ID = fragment(',"cio_id":"');
const K_IDENTIFIERS_CLOSE = fragment('"}');
const K_CAMPAIGN_ID = fragment(',"campaign_id":');
const K_BROADCAST_ID = fragment(',"broadcast_id":');
const K_NEWSLETTER_ID = fragment(',"newsletter_id":');
const K_ACTION_ID = fragment(',"action_id":');
const K_PARENT_ACTION_ID = fragment(',"parent_action_id":');
const K_CONTENT_ID = fragment(',"content_id":');
const K_TRANSACTIONAL_MESSAGE_ID = fragment(',"transactional_message_id":');
const K_TRIGGER_EVENT_ID = fragment(',"trigger_event_id":');
const K_TRIGGER_PREFIX = fragment('"01J');
const HEX_UPPER = fragment('0123456789ABCDEF');
const K_FAILURE_MESSAGE = fragment(',"failure_message":');
const K_FORGOTTEN_TRUE = fragment(',"forgotten":true,"msg_template_id":');
const K_FORGOTTEN_FALSE = fragment(',"forgotten":false,"msg_template_id":');
const K_METRICS = fragment(',"metrics":{');
const K_TRACKED_EMPTY = fragment(',"tracked_responses":{}');
const K_TRACKED_YES_ID = fragment(',"tracked_responses":{"yes":{"id":');
const K_TS = fragment(',"ts":');
const K_CLOSE2 = fragment('}}');
const NULL = fragment('null');

/** More than the longest message record's JSON can be (checked after each record). */
const RECORD_MAX = 4096;

function putNumberOrNull(buf: Uint8Array, p: number, value: number | null): number {
  return value === null ? putBytes(buf, p, NULL) : putNumber(buf, p, value);
}

/**
 * Appends message `i`'s drawn record `d` as JSON, byte for byte what JSON.stringify of the same
 * record from MessageTable.get gives, without building the object or its strings. Ids,
 * identities, numbers and fixed texts need no JSON escaping.
 */
export function writeMessageJson(i: number, d: Draw, customers: CustomerTable, out: JsonBytes): void {
  const c = d.customer;
  const kind = d.customerKind;
  const buf = out.reserve(RECORD_MAX);
  const start = out.pos;
  let p = start;
  // Values that appear twice (id, email, customer id) are written once, then copied.
  p = putBytes(buf, p, K_ID);
  const idStart = p;
  p = putBase64url(buf, p, d.idBytes);
  const idEnd = p;
  p = putBytes(buf, p, K_DEDUPLICATE_ID);
  p = putCopy(buf, p, idStart, idEnd);
  buf[p++] = 0x3d; // =
  buf[p++] = 0x3a; // :
  p = putNumber(buf, p, d.lastChange);
  p = putBytes(buf, p, K_CREATED);
  p = putNumber(buf, p, d.created);
  p = putBytes(buf, p, K_TYPE);
  p = putBytes(buf, p, TYPES_JSON[d.type]!);
  p = putBytes(buf, p, K_RECIPIENT);
  let emailStart = -1;
  let emailEnd = -1;
  switch (d.recipient) {
    case TO_EMAIL:
      buf[p++] = 0x22;
      if (kind === IDENTITY_CIO_ONLY) {
        p = customers.putCio(c, buf, p);
        p = putBytes(buf, p, K_UNKNOWN_DOMAIN);
      } else {
        emailStart = p;
        p = customers.putEmail(c, buf, p);
        emailEnd = p;
      }
      buf[p++] = 0x22;
      break;
    case TO_PHONE:
      p = putBytes(buf, p, K_PHONE);
      p = putPadded(buf, p, d.phone, 7);
      buf[p++] = 0x22;
      break;
    case TO_WEBHOOK:
      p = putBytes(buf, p, K_WEBHOOK);
      break;
    case TO_SLACK:
      p = putBytes(buf, p, K_SLACK);
      break;
    default:
      buf[p++] = 0x22;
      p = customers.putCio(c, buf, p);
      buf[p++] = 0x22;
  }
  p = putBytes(buf, p, K_SUBJECT);
  p = putBytes(buf, p, d.subject < 0 ? NULL : SUBJECTS_JSON[d.subject]!);
  p = putBytes(buf, p, K_CUSTOMER_ID);
  const customerIdStart = p;
  if (kind === IDENTITY_FULL) {
    buf[p++] = 0x22;
    p = customers.putId(c, buf, p);
    buf[p++] = 0x22;
  } else {
    p = putBytes(buf, p, NULL);
  }
  const customerIdEnd = p;
  p = putBytes(buf, p, K_IDENTIFIERS);
  if (d.noIdentifiers) {
    p = putBytes(buf, p, NULL);
  } else {
    p = putBytes(buf, p, K_IDENTIFIERS_ID);
    p = putCopy(buf, p, customerIdStart, customerIdEnd);
    p = putBytes(buf, p, K_IDENTIFIERS_EMAIL);
    if (kind === IDENTITY_CIO_ONLY) {
      p = putBytes(buf, p, NULL);
    } else {
      buf[p++] = 0x22;
      p = emailStart >= 0 ? putCopy(buf, p, emailStart, emailEnd) : customers.putEmail(c, buf, p);
      buf[p++] = 0x22;
    }
    p = putBytes(buf, p, K_IDENTIFIERS_CIO_ID);
    p = customers.putCio(c, buf, p);
    p = putBytes(buf, p, K_IDENTIFIERS_CLOSE);
  }
  p = putBytes(buf, p, K_CAMPAIGN_ID);
  p = putNumberOrNull(buf, p, d.campaignId);
  p = putBytes(buf, p, K_BROADCAST_ID);
  p = putNumberOrNull(buf, p, d.broadcastId);
  p = putBytes(buf, p, K_NEWSLETTER_ID);
  p = putNumberOrNull(buf, p, d.newsletterId);
  p = putBytes(buf, p, K_ACTION_ID);
  p = putNumber(buf, p, d.actionId);
  p = putBytes(buf, p, K_PARENT_ACTION_ID);
  p = putNumberOrNull(buf, p, d.parentActionId);
  p = putBytes(buf, p, K_CONTENT_ID);
  p = putNumberOrNull(buf, p, d.contentId);
  if (d.transactionalId !== null) {
    p = putBytes(buf, p, K_TRANSACTIONAL_MESSAGE_ID);
    p = putNumber(buf, p, d.transactionalId);
  }
  p = putBytes(buf, p, K_TRIGGER_EVENT_ID);
  if (d.hasTrigger) {
    p = putBytes(buf, p, K_TRIGGER_PREFIX);
    p = putHex8(buf, p, d.triggerWords[0]!, HEX_UPPER);
    p = putHex8(buf, p, d.triggerWords[1]!, HEX_UPPER);
    p = putHex8(buf, p, d.triggerWords[2]!, HEX_UPPER) - 1; // 23 digits
    buf[p++] = 0x22;
  } else {
    p = putBytes(buf, p, NULL);
  }
  p = putBytes(buf, p, K_FAILURE_MESSAGE);
  p = putBytes(buf, p, d.failure < 0 ? NULL : FAILURE_MESSAGES_JSON[d.failure]!);
  p = putBytes(buf, p, d.forgotten ? K_FORGOTTEN_TRUE : K_FORGOTTEN_FALSE);
  p = putNumber(buf, p, d.actionId);
  p = putBytes(buf, p, K_METRICS);
  let first = true;
  for (let slot = 0; slot < METRIC_SLOTS.length; slot++) {
    if (!d.has(slot)) continue;
    if (!first) buf[p++] = 0x2c;
    first = false;
    p = putBytes(buf, p, METRIC_KEYS[slot]!);
    p = putNumber(buf, p, d.metricTimes[slot]!);
    const secondary = SECONDARY_KEYS[slot];
    if (d.secondary && secondary) {
      p = putBytes(buf, p, secondary);
      p = putNumber(buf, p, d.metricTimes[slot]!);
    }
  }
  if (d.later >= 0) {
    if (!first) buf[p++] = 0x2c;
    p = putBytes(buf, p, LATER_KEYS[d.later]!);
    p = putNumber(buf, p, d.laterTime);
  }
  buf[p++] = 0x7d;
  if (d.tracked === 1) {
    p = putBytes(buf, p, K_TRACKED_EMPTY);
  } else if (d.tracked === 2) {
    p = putBytes(buf, p, K_TRACKED_YES_ID);
    p = putNumber(buf, p, d.trackedId);
    p = putBytes(buf, p, K_TS);
    p = putNumber(buf, p, d.trackedTs);
    p = putBytes(buf, p, K_CLOSE2);
  }
  buf[p++] = 0x7d;
  if (p - start > RECORD_MAX) throw new Error(`message ${i}: record longer than RECORD_MAX`);
  out.pos = p;
}
