/**
 * People, generated from their index. Identifiers are invertible so the attributes endpoint can
 * look a person up by id, email or cio_id without an index in memory:
 * - id: "<1000+i>" (or "usr_<1000+i>" for some); absent (null) for email-only and cio_id-only people;
 * - email: "<slug>.<1000+i>@<domain>"; absent for cio_id-only people;
 * - cio_id: 8 hex digits "4[0-7]xxxxxx" = 0x40000000 | (i XOR mask); a few fixed specials that look
 *   like numbers ("30e00001", "00012345") so loaders that coerce them to numbers break visibly.
 */
import { DAY, type WorldContext } from './context.js';
import { IndexedTable } from './indexed-table.js';
import { fragment, putBytes, putHex8, putNumber } from './json-bytes.js';
import { hash32, hashNumber, Rng } from './prng.js';
import type { JsonObject } from './types.js';
import { asciiSlug, CITIES, COLORS, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, NOTES, PLANS } from './vocab.js';

const ID_BASE = 1000;
const CIO_SPECIALS = new Map<number, string>([
  [3, '30e00001'],
  [10, '00012345'],
]);
const CIO_SPECIALS_REVERSE = new Map([...CIO_SPECIALS].map(([i, c]) => [c, i] as const));

export type IdType = 'id' | 'email' | 'cio_id';

export interface Identity {
  id: string | null;
  email: string | null;
  cio_id: string;
}

/** E-mail local-part pieces of each name, in vocabulary order (asciiSlug is slow: normalize + regex). */
const FIRST_SLUGS: readonly string[] = FIRST_NAMES.map((n) => asciiSlug(n) || 'user');
const LAST_SLUGS: readonly string[] = LAST_NAMES.map((n) => asciiSlug(n) || 'x');
const FIRST_SLUG_BYTES = FIRST_SLUGS.map(fragment);
const LAST_SLUG_BYTES = LAST_SLUGS.map(fragment);
const DOMAIN_BYTES = EMAIL_DOMAINS.map(fragment);
const CIO_SPECIAL_BYTES = new Map([...CIO_SPECIALS].map(([i, c]) => [i, fragment(c)] as const));
const USR = fragment('usr_');

/** What identity(i) holds: an id, an email and a cio_id (FULL); email and cio_id; cio_id only. */
export const IDENTITY_FULL = 0;
export const IDENTITY_EMAIL_ONLY = 1;
export const IDENTITY_CIO_ONLY = 2;

export class CustomerTable {
  readonly table: IndexedTable;
  private readonly mask: number;
  /** hash32(seed, 'customer-name'), extended by the index for each person's name draws. */
  private readonly namePrefix: number;
  private readonly nameRng = new Rng(0);
  private liveCache: { epochs: number; count: number } | undefined;

  constructor(
    private readonly ctx: WorldContext,
    count: number,
  ) {
    this.mask = hash32(ctx.seed, 'cio-mask') & 0x07ffffff;
    this.namePrefix = hash32(ctx.seed, 'customer-name');
    const span = 730 * DAY;
    this.table = new IndexedTable(ctx.timeline, {
      tag: 'customers',
      baseCount: count,
      updatable: true,
      baseTime: (i) => ctx.start - span + Math.floor((i * span) / count) - 3600,
    });
  }

  /** IDENTITY_FULL, IDENTITY_EMAIL_ONLY or IDENTITY_CIO_ONLY. */
  identityKind(i: number): number {
    return i % 29 === 7 ? IDENTITY_CIO_ONLY : i % 17 === 5 ? IDENTITY_EMAIL_ONLY : IDENTITY_FULL;
  }

  /*
   * The characters of identity(i)'s values (no quotes; none needs JSON escaping), put at `p` in
   * room reserved by the caller (a few dozen bytes each); they return the position after. For
   * JSON writers that embed a person (messages) without building the strings.
   */

  /** identity(i).id; only for IDENTITY_FULL. */
  putId(i: number, buf: Uint8Array, p: number): number {
    return putNumber(buf, i % 11 === 3 ? putBytes(buf, p, USR) : p, ID_BASE + i);
  }

  /** identity(i).email; not for IDENTITY_CIO_ONLY. */
  putEmail(i: number, buf: Uint8Array, p: number): number {
    const rng = this.nameRng.reset(hashNumber(this.namePrefix, i));
    const first = FIRST_SLUG_BYTES[Math.floor(rng.next() * FIRST_SLUG_BYTES.length)]!;
    const last = LAST_SLUG_BYTES[Math.floor(rng.next() * LAST_SLUG_BYTES.length)]!;
    let q = putBytes(buf, p, first);
    buf[q++] = 0x2e; // .
    q = putBytes(buf, q, last);
    buf[q++] = 0x2e;
    q = putNumber(buf, q, ID_BASE + i);
    buf[q++] = 0x40; // @
    return putBytes(buf, q, DOMAIN_BYTES[i % DOMAIN_BYTES.length]!);
  }

  /** identity(i).cio_id. */
  putCio(i: number, buf: Uint8Array, p: number): number {
    const special = CIO_SPECIAL_BYTES.get(i);
    return special ? putBytes(buf, p, special) : putHex8(buf, p, 0x40000000 | ((i ^ this.mask) & 0x07ffffff));
  }

  identity(i: number): Identity {
    const kind = i % 29 === 7 ? 'cio_only' : i % 17 === 5 ? 'email_only' : 'full';
    const cio =
      CIO_SPECIALS.get(i) ?? (0x40000000 | ((i ^ this.mask) & 0x07ffffff)).toString(16).padStart(8, '0');
    let email: string | null = null;
    if (kind !== 'cio_only') {
      // The same draws as names(i), as indexes into the precomputed slugs (no normalize per call).
      const rng = this.nameRng.reset(hashNumber(this.namePrefix, i));
      const first = FIRST_SLUGS[Math.floor(rng.next() * FIRST_SLUGS.length)];
      const last = LAST_SLUGS[Math.floor(rng.next() * LAST_SLUGS.length)];
      email = `${first}.${last}.${ID_BASE + i}@${EMAIL_DOMAINS[i % EMAIL_DOMAINS.length]}`;
    }
    const id = kind !== 'full' ? null : i % 11 === 3 ? `usr_${ID_BASE + i}` : String(ID_BASE + i);
    return { id, email, cio_id: cio };
  }

  private names(i: number): { first: string; last: string } {
    const rng = Rng.for(this.ctx.seed, 'customer-name', i);
    return { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
  }

  /** Raw index of a live person, or undefined. */
  find(idType: IdType, value: string): number | undefined {
    const index = this.indexOf(idType, value);
    if (index === undefined || !this.table.exists(index) || this.table.fate(index).deleted) return undefined;
    const identity = this.identity(index);
    const expected = idType === 'cio_id' ? identity.cio_id : identity[idType];
    const given = idType === 'cio_id' ? value.replace(/^cio_/, '') : value;
    return expected === given ? index : undefined;
  }

  private indexOf(idType: IdType, value: string): number | undefined {
    if (idType === 'id') {
      const m = /^(?:usr_)?(\d{1,10})$/.exec(value);
      return m ? Number(m[1]) - ID_BASE : undefined;
    }
    if (idType === 'email') {
      const m = /\.(\d{1,10})@/.exec(value);
      return m ? Number(m[1]) - ID_BASE : undefined;
    }
    const hex = value.replace(/^cio_/, '');
    const special = CIO_SPECIALS_REVERSE.get(hex);
    if (special !== undefined) return special;
    if (!/^[0-9a-f]{8}$/.test(hex)) return undefined;
    const v = Number.parseInt(hex, 16);
    if ((v & 0xf8000000) >>> 0 !== 0x40000000) return undefined;
    const i = (v & 0x07ffffff) ^ this.mask;
    return CIO_SPECIALS.has(i) ? undefined : i;
  }

  /** The `customer` object of the attributes endpoint, or undefined when deleted. */
  get(i: number): JsonObject | undefined {
    const fate = this.table.fate(i);
    if (fate.deleted) return undefined;
    const identity = this.identity(i);
    const { first, last } = this.names(i);
    const rng = Rng.for(this.ctx.seed, 'customer', i);
    const created = this.table.createdAt(i);
    const seenUntil = Math.max(created, this.table.bornIn(i)?.to ?? this.ctx.start);
    const later = () => rng.int(created, seenUntil);

    const attributes: JsonObject = {};
    const timestamps: JsonObject = {};
    const set = (key: string, value: string, ts: number) => {
      attributes[key] = value;
      timestamps[key] = ts;
    };
    if (identity.id !== null) set('id', identity.id, created);
    if (identity.email !== null) set('email', identity.email, created);
    set('cio_id', identity.cio_id, created);
    set('created_at', String(created), created);
    set('first_name', first, created);
    set('last_name', last, created);
    set('plan', rng.pick(PLANS), later());
    if (rng.chance(0.6)) set('favorite color', rng.pick(COLORS), later());
    if (rng.chance(0.5)) set('address.city', rng.pick(CITIES), later());
    if (i % 7 === 0 || rng.chance(0.3))
      set('notes', i % 7 === 0 ? "'; DROP TABLE x; --" : rng.pick(NOTES), later());
    if (rng.chance(0.25)) set('nick"name', `${first} "the great"`, later());
    if (rng.chance(0.2)) set("it's ok", 'true', later());
    if (rng.chance(0.5)) {
      const emailed = later();
      set('_last_emailed', String(emailed), emailed);
    }
    if (rng.chance(0.3)) {
      set(
        'cio_subscription_preferences',
        JSON.stringify({ topics: { [`topic_${rng.int(1, 6)}`]: false } }),
        later(),
      );
    }
    set(
      '_cio_subscription_preferences_computed',
      JSON.stringify({ topics: { topic_1: rng.chance(0.8) } }),
      0,
    );

    const update = fate.updatedIn;
    if (update) {
      const plans = PLANS.filter((p) => p !== attributes.plan);
      set('plan', plans[hash32(this.ctx.seed, 'plan', i, update.n) % plans.length]!, update.to);
      set('last_login', String(update.to), update.to);
    }

    const devices: JsonObject[] = [];
    const deviceCount = rng.weighted([
      [0, 5],
      [1, 4],
      [2, 1],
    ] as const);
    for (let d = 0; d < deviceCount; d++) {
      const ios = rng.chance(0.5);
      const device: JsonObject = {
        id: ios ? rng.hex(64) : `${rng.hex(11)}:APA91b${rng.hex(40)}`,
        platform: ios ? 'ios' : 'android',
        last_used: later(),
      };
      if (rng.chance(0.5)) {
        device.attributes = {
          _last_status: rng.pick(['', 'bounced', 'sent', 'suppressed']),
          app_version: `${rng.int(1, 5)}.${rng.int(0, 20)}.${rng.int(0, 9)}`,
          device_locale: rng.pick(['en-US', 'de-DE', 'pt-BR', 'ja-JP']),
          device_model: ios ? 'iPhone15,2' : 'Pixel 8',
          device_os: ios ? '17.4' : '14',
          push_enabled: rng.chance(0.7) ? 'true' : 'false',
        };
      }
      devices.push(device);
    }

    return {
      id: identity.id,
      identifiers: { id: identity.id, email: identity.email, cio_id: identity.cio_id },
      attributes,
      timestamps,
      unsubscribed: rng.chance(0.08),
      devices,
    };
  }

  /** Live people, cached per number of epochs (used for workspaces.people). */
  liveCount(): number {
    const epochs = this.ctx.timeline.epochs.length;
    if (this.liveCache?.epochs !== epochs) this.liveCache = { epochs, count: this.table.liveCount() };
    return this.liveCache.count;
  }
}
