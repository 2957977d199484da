/** The public library API of cio-sync (the only barrel). */
export { RequestBudget } from './api/budget.js';
export { createApiClient, regionBaseUrl } from './api/client.js';
export { paginate } from './api/paginators.js';
export type * from './api/types.js';
export { parseStartDate } from './config/dates.js';
export { type Destination, parseDestination } from './config/destination.js';
export { type ConfigInput, resolveConfig } from './config/load.js';
export { type Config, ConfigSchema, type Settings } from './config/schema.js';
export * from './core/errors.js';
export type * from './core/state.js';
export { DateTime } from './core/time.js';
export { createDatabaseSink } from './destinations/registry.js';
export { streamSpecFor } from './engine/catalog.js';
export { checkConnection } from './engine/check.js';
export { createClientFor } from './engine/client-factory.js';
export type * from './engine/events.js';
export type * from './engine/sink.js';
export { runSync, type StreamSelection, type SyncRequest, type SyncResult } from './engine/sync.js';
export { airbyteCatalog } from './protocols/airbyte/airbyte-catalog.js';
export { createAirbyteSink } from './protocols/airbyte/airbyte-sink.js';
export { singerCatalog } from './protocols/singer/singer-catalog.js';
export { createSingerSink } from './protocols/singer/singer-sink.js';
export type {
  Shapes as SimulatorShapes,
  Simulator,
  SimulatorOptions,
  WorldKind as SimulatorWorld,
} from './sim/index.js';
export { startSimulator } from './sim/index.js';
export {
  DEFAULT_STREAM_NAMES,
  getDefinition,
  isStreamName,
  STREAM_DEFINITIONS,
  STREAM_NAMES,
  type StreamName,
} from './streams/definitions.js';
export * from './streams/types.js';
