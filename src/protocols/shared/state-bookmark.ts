import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import type { ResumePoint, StreamBookmark } from '../../core/state.js';

function invalid(stream: string, why: string): CioError {
  return new CioError(
    'CIO_ERR_STATE',
    `State for stream ${stream}: ${why}. Fix the state file, or drop the stream's entry to read it from the start date.`,
  );
}

/** What a table that can read only what changed keeps about its last reads (see StreamBookmark). */
const READ_INSTANTS = ['last_read_started_at', 'last_full_read_at', 'newest_time'] as const;

/** Bookmark values are RFC 3339; older taps also wrote unix seconds. */
function instant(value: unknown, stream: string, key: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return new Date(value * 1000).toISOString().replace('.000Z', 'Z');
  }
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
  throw invalid(stream, `${key} ${JSON.stringify(value)} is not a date`);
}

function resumePoint(value: unknown, stream: string): ResumePoint {
  if (!isRecord(value) || typeof value.read_started_at !== 'string' || !('position' in value)) {
    throw invalid(stream, 'resume must be an object with read_started_at and position');
  }
  const point: ResumePoint = {
    read_started_at: instant(value.read_started_at, stream, 'resume.read_started_at'),
    position: value.position,
  };
  if (value.pending_max !== undefined)
    point.pending_max = instant(value.pending_max, stream, 'resume.pending_max');
  if (value.min_time !== undefined) point.min_time = instant(value.min_time, stream, 'resume.min_time');
  if (value.max_time !== undefined) point.max_time = instant(value.max_time, stream, 'resume.max_time');
  if (value.since !== undefined) point.since = instant(value.since, stream, 'resume.since');
  return point;
}

/**
 * Reads one stream's bookmark as a state file holds it: ours (`replication_key_value`, as the Meltano
 * SDK writes it), singer-python's `{<replication key>: value}`, or an older tap's bare value.
 * Returns undefined when there is nothing to resume from.
 */
export function parseBookmark(
  value: unknown,
  stream: string,
  replicationKey?: string,
): StreamBookmark | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number') {
    if (!replicationKey) return undefined;
    return { replication_key: replicationKey, replication_key_value: instant(value, stream, 'bookmark') };
  }
  if (!isRecord(value)) throw invalid(stream, 'the bookmark must be an object');
  const bookmark: StreamBookmark = {};
  const raw = value.replication_key_value ?? (replicationKey ? value[replicationKey] : undefined);
  if (typeof value.replication_key === 'string') bookmark.replication_key = value.replication_key;
  if (raw !== undefined && raw !== null) {
    bookmark.replication_key_value = instant(raw, stream, 'replication_key_value');
    if (bookmark.replication_key === undefined && replicationKey) bookmark.replication_key = replicationKey;
  }
  if (value.resume !== undefined && value.resume !== null)
    bookmark.resume = resumePoint(value.resume, stream);
  if (value.last_completed_at !== undefined) {
    bookmark.last_completed_at = instant(value.last_completed_at, stream, 'last_completed_at');
  }
  for (const key of READ_INSTANTS) {
    if (value[key] !== undefined) bookmark[key] = instant(value[key], stream, key);
  }
  if (value.last_read === 'complete' || value.last_read === 'partial') bookmark.last_read = value.last_read;
  return bookmark;
}
