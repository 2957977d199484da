import { streamSpecFor } from '../../engine/catalog.js';
import type { StreamSpec } from '../../engine/sink.js';
import { STREAM_DEFINITIONS } from '../../streams/definitions.js';

/** Every table as the protocols describe it: in their catalogs, and to check their state files. */
export function allStreamSpecs(): StreamSpec[] {
  return STREAM_DEFINITIONS.map(streamSpecFor);
}
