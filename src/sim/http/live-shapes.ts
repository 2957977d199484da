/**
 * The answers of the HTTP layer that differ between the live API and the vendor's spec (see
 * Shapes in world/types.ts). Record-level differences (fields and their types) are the world's.
 */
import type { HiddenFilter } from '../world/data.js';
import type { Json, Shapes } from '../world/types.js';

/** A list with nothing in it is `null` live (e.g. `{"exports": null}`), `[]` in the spec. */
export function listValue<T extends Json>(items: T[], shapes: Shapes): T[] | null {
  return items.length === 0 && shapes === 'live' ? null : items;
}

/**
 * Which senders `GET /v1/sender_identities` lists: visible ones without `hidden`; with
 * `hidden=true`, only the hidden ones live, the hidden ones besides the visible in the spec.
 */
export function hiddenFilter(hidden: boolean, shapes: Shapes): HiddenFilter {
  if (!hidden) return 'visible';
  return shapes === 'live' ? 'hidden' : 'all';
}
