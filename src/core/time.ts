/**
 * Time, one module for the whole connector: unix seconds (what the API sends) to row values and
 * RFC 3339 (what records, state and logs carry), and RFC 3339 to and from microseconds since the
 * epoch (what both database engines store). Years are limited to 0001-9999 in UTC: the range both
 * engines parse and JavaScript formats as four digits.
 */
import { CioError } from './errors.js';

// Beyond year 9999 toISOString() leaves RFC 3339 (`+010000-…`); such a value is not unix seconds.
const MAX_UNIX_SECONDS = 253_402_300_799;
const MIN_UNIX_SECONDS = -62_135_596_800;

/** Whether a number can be unix seconds of years 1..9999 (the API's timestamps). */
export function isUnixSeconds(seconds: number): boolean {
  return Number.isFinite(seconds) && seconds <= MAX_UNIX_SECONDS && seconds >= MIN_UNIX_SECONDS;
}

/**
 * A date-time value of a row: the instant the API sent, kept as a number from the API to the
 * database, so the SQL sinks store it without formatting it to text and parsing it back. As JSON
 * (Singer and Airbyte records, json columns) and as a string it is the RFC 3339 text rows carried
 * before: `2026-01-01T00:00:00Z`, with milliseconds only when there are some.
 */
export class DateTime {
  /** Milliseconds since the epoch, a whole number: the API sends seconds, rarely with a fraction. */
  readonly epochMillis: number;

  private constructor(epochMillis: number) {
    this.epochMillis = epochMillis;
  }

  /** The instant of unix seconds; a value that cannot be seconds is a bad response. */
  static fromUnixSeconds(seconds: number): DateTime {
    if (!isUnixSeconds(seconds)) {
      throw new CioError('CIO_ERR_BAD_RESPONSE', `not a unix timestamp in seconds: ${seconds}`);
    }
    return new DateTime(Number.isInteger(seconds) ? seconds * 1000 : Math.round(seconds * 1000));
  }

  /** Microseconds since the epoch: what both database engines store. */
  get epochMicros(): bigint {
    return BigInt(this.epochMillis) * 1000n;
  }

  toJSON(): string {
    return millisToIso(this.epochMillis);
  }

  toString(): string {
    return millisToIso(this.epochMillis);
  }
}

/** Unix seconds -> RFC 3339 UTC: `2026-01-01T00:00:00Z`, `2026-01-01T00:00:00.250Z` for a fraction. */
export function unixToIso(seconds: number): string {
  return DateTime.fromUnixSeconds(seconds).toJSON();
}

/** RFC 3339 UTC with milliseconds only when there are some (years 1..9999). */
function millisToIso(ms: number): string {
  return ms % 1000 === 0 ? wholeSecondsToIso(ms / 1000) : new Date(ms).toISOString();
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
/** `YYYY-MM-DDT` by days since the epoch: the records of a page share a few days. */
const dayPrefixes = new Map<number, string>();
const MAX_DAY_PREFIXES = 4096;

/**
 * Every record of every page has a timestamp or two, and formatting through a Date and a string
 * replace was a tenth of the sync's own work; the date part is cached and the time built by hand.
 */
function wholeSecondsToIso(seconds: number): string {
  const day = Math.floor(seconds / 86_400);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    if (dayPrefixes.size >= MAX_DAY_PREFIXES) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const inDay = seconds - day * 86_400;
  const hour = Math.floor(inDay / 3600);
  const minute = Math.floor((inDay % 3600) / 60);
  return `${prefix}${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[inDay % 60]}Z`;
}

/** RFC 3339 (or any string Date.parse accepts) or a Date -> whole unix seconds (floored). */
export function isoToUnix(value: string | Date): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new CioError('CIO_ERR_INTERNAL', `not a date-time: ${String(value)}`);
  }
  return Math.floor(ms / 1000);
}

/** RFC 3339 UTC to the whole second (a fraction is dropped), for bookmarks and log lines. */
export function formatToSecond(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const MIN_MICROS = -62135596800000000n; // 0001-01-01T00:00:00Z
const MAX_MICROS = 253402300799999999n; // 9999-12-31T23:59:59.999999Z

/** Microseconds since the epoch, or undefined when `text` is not an RFC 3339 date-time. */
export function parseDateTimeMicros(text: string): bigint | undefined {
  const whole = wholeSecondsUtc(text);
  if (whole !== undefined) return whole;
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  const offsetHours = Number(match[9] ?? 0);
  const offsetMinutes = Number(match[10] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // Second 60 is a leap second; it rolls over into the next minute as both engines do.
  if (hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const sign = match[8] === '-' ? -1 : 1;
  const seconds =
    daysFromCivil(year, month, day) * 86_400 +
    hour * 3600 +
    minute * 60 +
    second -
    sign * (offsetHours * 3600 + offsetMinutes * 60);
  const fraction = match[7] === undefined ? 0n : BigInt(match[7].padEnd(6, '0').slice(0, 6));
  const micros = BigInt(seconds) * 1_000_000n + fraction;
  return micros < MIN_MICROS || micros > MAX_MICROS ? undefined : micros;
}

/** Days since the epoch of valid `YYYY-MM-DD` dates seen, null for invalid ones. */
const daysOfDates = new Map<string, number | null>();
const MAX_CACHED_DATES = 4096;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The form the connector writes every API timestamp in (`2026-01-01T00:00:00Z`), parsed without the
 * general expression: the date part comes from a cache, the time from the characters. Undefined for
 * any other form, which the general parser then reads (to the same result).
 */
function wholeSecondsUtc(text: string): bigint | undefined {
  if (text.length !== 20 || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':' || text[19] !== 'Z') {
    return undefined;
  }
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const days = daysOfDate(text.slice(0, 10));
  if (days === null) return undefined;
  const micros = BigInt(days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000n;
  return micros < MIN_MICROS || micros > MAX_MICROS ? undefined : micros;
}

/** The number two ASCII digits at `at` spell, or 99 (out of every range) for anything else. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : 99;
}

function daysOfDate(date: string): number | null {
  const cached = daysOfDates.get(date);
  if (cached !== undefined) return cached;
  const match = DATE_ONLY.exec(date);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  const valid = match !== null && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
  const days = valid ? daysFromCivil(year, month, day) : null;
  if (daysOfDates.size >= MAX_CACHED_DATES) daysOfDates.clear();
  daysOfDates.set(date, days);
  return days;
}

/** Microseconds since the epoch for a valid Date in range, else undefined. */
export function dateMicros(date: Date): bigint | undefined {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  const micros = BigInt(ms) * 1000n;
  return micros < MIN_MICROS || micros > MAX_MICROS ? undefined : micros;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, which both engines parse exactly. */
export function formatMicros(micros: bigint): string {
  const remainder = ((micros % 1000n) + 1000n) % 1000n;
  const ms = Number((micros - remainder) / 1000n);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -1)}${remainder.toString().padStart(3, '0')}Z`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm): no Date objects per value. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
