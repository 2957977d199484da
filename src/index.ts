export * from './api/errors.js';
export type * from './api/types.js';
export type * from './engine/state.js';
export type * from './sinks/sink.js';
export * from './streams/types.js';
