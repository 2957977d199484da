import { streamSpecFor } from '../../../src/engine/catalog.js';
import type { StreamSpec } from '../../../src/engine/sink.js';
import { STREAM_DEFINITIONS } from '../../../src/streams/definitions.js';

/** The specs of every real table, as the engine hands them to sinks. */
export function realSpecs(): StreamSpec[] {
  return STREAM_DEFINITIONS.map(streamSpecFor);
}
