/** What every generator of the world needs: seed, scale, clock and the ids records refer to. */
import type { Timeline } from './timeline.js';
import type { CatalogGrowth, Shapes } from './types.js';

export interface SourceRefs {
  campaigns: { id: number; actionIds: number[]; eventTriggered: boolean }[];
  broadcasts: { id: number; actionIds: number[] }[];
  newsletters: { id: number; contentIds: number[] }[];
  transactional: { id: number }[];
}

export interface WorldContext {
  seed: number;
  scale: number;
  /** The scale of the lists that describe the workspace (see CatalogGrowth). */
  catalogScale: number;
  timeline: Timeline;
  /** "now" when the world was created. */
  start: number;
  refs: SourceRefs;
  /** Live or spec-exact answers where the two disagree (see Shapes). */
  shapes: Shapes;
}

export const DAY = 86_400;

/** Size of a table at a given scale (at least one record). */
export function scaled(base: number, scale: number): number {
  return Math.max(1, Math.round(base * scale));
}

/** The scale of the workspace-describing lists for a world of `scale` (see CatalogGrowth). */
export function catalogScale(scale: number, growth: CatalogGrowth): number {
  return growth === 'linear' || scale <= 1 ? scale : Math.sqrt(scale);
}
