import { getDefinition, STREAM_NAMES } from '../../src/streams/definitions.js';

/** A daily metrics table (read by the metrics reader): tens of thousands of rows a sync. */
export function isMetricsTable(name: string): boolean {
  return getDefinition(name).metrics !== undefined;
}

/**
 * Every table but the metrics ones, for the tests that sync everything for another purpose: the
 * metrics tables are compared with the truth in sync-duckdb, sync-postgres and
 * records-match-schemas.
 */
export const TABLES_BUT_METRICS: readonly string[] = STREAM_NAMES.filter((name) => !isMetricsTable(name));
