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

/** The exact records each endpoint serves right now, in the order a default request lists them. */
export interface GroundTruth {
  broadcasts: JsonObject[];
  transactional: JsonObject[];
  /** The `customer` objects, as POST /v1/customers/attributes returns them. */
  customers: JsonObject[];
  campaigns: JsonObject[];
  newsletters: JsonObject[];
  segments: JsonObject[];
  messages: JsonObject[];
  exports: JsonObject[];
  activities: JsonObject[];
  /** As listed without `hidden=true` (hidden senders excluded). */
  sender_identities: JsonObject[];
  /** As listed with `hidden=true`. */
  sender_identities_including_hidden: JsonObject[];
  reporting_webhooks: JsonObject[];
  snippets: JsonObject[];
  ip_addresses: string[];
  collections: JsonObject[];
  topics: JsonObject[];
  workspaces: JsonObject[];
  object_types: JsonObject[];
  suppressions: Record<SuppressionType, JsonObject[]>;
}
