import { CioError } from '../api/errors.js';

const US_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

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
 * a full ISO 8601 instant with a zone. `now` rejects dates in the future, which would load nothing.
 */
export function parseStartDate(raw: string, now: Date = new Date()): Date {
  const text = raw.trim();
  let date: Date;
  const us = US_DATE.exec(text);
  const day = ISO_DAY.exec(text);
  if (us) {
    date = utcDay(Number(us[3]), Number(us[1]), Number(us[2]), raw);
  } else if (day) {
    date = utcDay(Number(day[1]), Number(day[2]), Number(day[3]), raw);
  } else if (ISO_INSTANT.test(text)) {
    date = new Date(text);
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
  if (date.getUTCFullYear() < 2009) {
    throw invalid(raw, 'Customer.io holds no data from before 2009');
  }
  return date;
}
