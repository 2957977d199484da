import { isRecord } from '../../core/json.js';
import type { SyncState } from '../../core/state.js';
import type { StreamSpec } from '../../engine/sink.js';
import { readProtocolStateFile } from '../shared/state-file.js';
import { syncStateFromAirbyte } from './airbyte-state.js';

/** Stream names an Airbyte state names, whatever its shape (STREAM, GLOBAL, LEGACY, bare). */
function airbyteStreamNames(raw: unknown): string[] {
  const names: string[] = [];
  const descriptor = (entry: unknown): void => {
    if (
      isRecord(entry) &&
      isRecord(entry.stream_descriptor) &&
      typeof entry.stream_descriptor.name === 'string'
    )
      names.push(entry.stream_descriptor.name);
  };
  const one = (message: unknown): void => {
    const value = isRecord(message) && message.type === 'STATE' ? message.state : message;
    if (!isRecord(value)) return;
    if (isRecord(value.stream)) descriptor(value.stream);
    else if (isRecord(value.global) && Array.isArray(value.global.stream_states))
      value.global.stream_states.forEach(descriptor);
    else {
      const data = 'data' in value ? value.data : value;
      if (!isRecord(data)) return;
      names.push(...Object.keys(isRecord(data.bookmarks) ? data.bookmarks : data));
    }
  };
  if (Array.isArray(raw)) raw.forEach(one);
  else one(raw);
  return names;
}

/** `airbyte read --state FILE`: the state the platform kept from an earlier read, checked. */
export function readAirbyteStateFile(path: string, specs: readonly StreamSpec[]): SyncState {
  return readProtocolStateFile(path, specs, airbyteStreamNames, syncStateFromAirbyte);
}
