/** Public types of the running simulator (re-exported by src/sim/index.ts). */
import type { GroundTruth } from '../world/data.js';
import type { AdvanceOptions, AdvanceResult, CatalogGrowth, Shapes, WorldKind } from '../world/types.js';
import type { FaultRule } from './faults.js';
import type { LimiterMode } from './rate-limit.js';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** World seed, default 1. Same seed and options => byte-identical responses. */
  seed?: number;
  /** World size multiplier, default 1 (~2,500 messages, ~600 customers). */
  scale?: number;
  /** Requests per second allowed per token (token bucket, capacity = rps). Default 10; 0 = unlimited. */
  rps?: number;
  /**
   * How the limit of `rps` is counted: 'token-bucket' (default; a burst of rps, refilled
   * continuously), 'rolling' (at most rps accepted in any rolling second, by arrival) or
   * 'fixed-window' (rps per calendar second).
   */
  limiter?: LimiterMode;
  /** Delay added to every response, default 0. */
  latencyMs?: number;
  /** Spread around latencyMs (uniform +-jitter, seeded), default 0. */
  latencyJitterMs?: number;
  /** Accepted bearer token, default 'sim-token'. */
  token?: string;
  /** Probability that an authenticated /v1 request gets a random transient fault (seeded mix). */
  faultRate?: number;
  /** The world's "now" in unix seconds, default 1767225600 (2026-01-01T00:00:00Z). */
  now?: number;
  /**
   * 'live' (default): the shapes real workspaces answer with where they differ from the vendor's
   * spec (null for empty lists, standard-base64 cursors, unwrapped people, ...); 'spec': the
   * vendor's documented shapes exactly. README "The simulator" lists the differences.
   */
  shapes?: Shapes;
  /** 'seeded' (default) or 'empty': a workspace with nothing in any list. */
  world?: WorldKind;
  /**
   * 'sqrt' (default): above scale 1 the lists describing the workspace (campaigns, newsletters,
   * segments, sender identities, suppressions, ...) grow with the square root of the scale;
   * 'linear': with the scale, like people and deliveries.
   */
  catalogGrowth?: CatalogGrowth;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent; 0 when the connection was dropped before a status line. */
  status: number;
  /** The injected fault, if any. */
  fault?: FaultRule['kind'];
}

export interface SimStats {
  /** Every request received (control routes under /__sim excluded). */
  requests: number;
  /** Answers with status 429, from the rate limiter or an injected fault. */
  rateLimited: number;
  /** Injected faults (scripted or random). */
  faults: number;
}

export interface Simulator {
  /** http://HOST:PORT, no trailing slash, no /v1. */
  url: string;
  token: string;
  stop(): Promise<void>;
  truth(): GroundTruth;
  advance(opts?: AdvanceOptions): AdvanceResult;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setRateLimit(rps: number): void;
  /** `METHOD /path` of every request that matched no route. */
  unknownRoutes(): string[];
  requestLog(): RequestLogEntry[];
  stats(): SimStats;
}
