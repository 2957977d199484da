import { CioError } from '../core/errors.js';

const US_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Date and time, `T` or a space between them; no zone means UTC (a Singer default is written so). */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?$/;

function utcDay(year: number, month: number, day: number, raw: string): Date {
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 02/30 over into March; a real calendar day round-trips.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw invalid(raw, 'that day does not exist');
  }
  return date;
}

function invalid(raw: string, why: string): CioError {
  return new CioError(
    'CIO_ERR_CONFIG',
    `start_date "${raw}" is not a valid date (${why}). Use MM/DD/YYYY, YYYY-MM-DD or ISO 8601, e.g. 2024-01-31.`,
  );
}

/**
 * Parses a start date in the forms streams.md accepts: MM/DD/YYYY, YYYY-MM-DD (both midnight UTC) or
 * a full ISO 8601 date and time (UTC when it names no zone). `now` rejects dates in the future, which
 * would load nothing. Dates before Customer.io existed are accepted (they select everything), as a
 * Singer config's customary `2000-01-01T00:00:00Z` must be; only pre-1970 ones, which Unix time
 * cannot express, are refused.
 */
export function parseStartDate(raw: string, now: Date = new Date()): Date {
  const text = raw.trim();
  let date: Date;
  const us = US_DATE.exec(text);
  const day = ISO_DAY.exec(text);
  const instant = ISO_INSTANT.exec(text);
  if (us) {
    date = utcDay(Number(us[3]), Number(us[1]), Number(us[2]), raw);
  } else if (day) {
    date = utcDay(Number(day[1]), Number(day[2]), Number(day[3]), raw);
  } else if (instant) {
    const [, dayPart = '', timePart, zone] = instant;
    // Date would roll 02/30 over into March, as Date.UTC does.
    const [year, month, dayOfMonth] = dayPart.split('-').map(Number);
    utcDay(year ?? 0, month ?? 0, dayOfMonth ?? 0, raw);
    date = new Date(`${dayPart}T${timePart}${zone === undefined ? 'Z' : zone.toUpperCase()}`);
    if (Number.isNaN(date.getTime())) throw invalid(raw, 'unreadable time');
  } else {
    throw invalid(raw, 'unknown format');
  }
  if (date.getTime() > now.getTime()) {
    throw new CioError(
      'CIO_ERR_CONFIG',
      `start_date "${raw}" is in the future, so nothing would be replicated. Use a past date or omit it.`,
    );
  }
  if (date.getTime() < 0) {
    throw invalid(
      raw,
      'before 1970, which Unix time cannot express; any date before 2009 selects everything',
    );
  }
  return date;
}
