/** Types of the seeded world (re-exported by src/sim/index.ts). */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/**
 * Where the live API and the vendor's spec disagree, which one the simulator answers like:
 * `live` (the default) serves what peers recorded against real workspaces
 * (docs/customerio-app-api.md section 7, customerio-beyond.md 0.1 and K); `spec` serves the
 * vendor's documented shapes exactly.
 */
export type Shapes = 'live' | 'spec';
export const SHAPES: readonly Shapes[] = ['live', 'spec'];

/** `seeded`: the generated workspace; `empty`: a workspace with nothing in any list. */
export type WorldKind = 'seeded' | 'empty';

export interface WorldOptions {
  /** Default 'live'. */
  shapes?: Shapes;
  /** Default 'seeded'. */
  world?: WorldKind;
  /** Default 'sqrt' (see CatalogGrowth). */
  catalogGrowth?: CatalogGrowth;
}

/**
 * How the lists that describe a workspace (campaigns, broadcasts, newsletters, segments, sender
 * identities, ESP suppressions, ...) grow with the scale above 1. People, deliveries and activities
 * always grow with the scale; a workspace ten times as busy rarely has ten times the newsletters or
 * senders, so by default those lists grow with the square root of the scale ('sqrt'). 'linear'
 * grows them with the scale too (the simulator's world before 2026-12-05). Below scale 1 both shrink
 * them linearly.
 */
export const CATALOG_GROWTHS = ['sqrt', 'linear'] as const;
export type CatalogGrowth = (typeof CATALOG_GROWTHS)[number];

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
