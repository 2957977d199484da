/** Everything one running simulator holds, shared by the HTTP layer and the programmatic API. */
import type { World } from '../world/data.js';
import type { FaultPlan } from './faults.js';
import type { CursorCodec } from './paging.js';
import type { RateLimiter } from './rate-limit.js';
import type { RequestLogEntry, SimStats } from './types.js';

/** The request log keeps the most recent entries only, so a long-running `cio-sync sim` stays small. */
export const REQUEST_LOG_LIMIT = 100_000;

export interface SimState {
  seed: number;
  token: string;
  latencyMs: number;
  latencyJitterMs: number;
  world: World;
  codec: CursorCodec;
  faults: FaultPlan;
  limiter: RateLimiter;
  log: RequestLogEntry[];
  stats: SimStats;
  unknownRoutes: string[];
}

export function appendLog(state: SimState, entry: RequestLogEntry): void {
  state.log.push(entry);
  if (state.log.length > REQUEST_LOG_LIMIT * 1.1) state.log.splice(0, state.log.length - REQUEST_LOG_LIMIT);
}
