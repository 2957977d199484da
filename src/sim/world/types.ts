/** Types of the seeded world (re-exported by src/sim/index.ts). */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export interface AdvanceOptions {
  /** How far "now" moves forward, default 3600. */
  seconds?: number;
  /** Fraction of existing records updated, default 0.1. */
  updateFraction?: number;
  /** New records, as a fraction of each table's initial size, default 0.05. */
  addFraction?: number;
  /** Fraction of existing records deleted, default 0.02. */
  deleteFraction?: number;
}

export interface ChangeCounts {
  updated: number;
  added: number;
  deleted: number;
}

export interface AdvanceResult {
  /** 1 for the first advance, 2 for the second, ... */
  epoch: number;
  previousNow: number;
  now: number;
  /** Keyed like GroundTruth (suppressions as `suppressions.<type>`). */
  changes: Record<string, ChangeCounts>;
}

export const SUPPRESSION_TYPES = ['blocks', 'bounces', 'spam_reports', 'invalid_emails'] as const;
export type SuppressionType = (typeof SUPPRESSION_TYPES)[number];
