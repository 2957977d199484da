/**
 * A local simulator of the Customer.io App API read endpoints (see
 * docs/customerio-app-api.md). It imports nothing from the connector.
 *
 *   const sim = await startSimulator({ seed: 1, rps: 0 });
 *   await fetch(`${sim.url}/v1/campaigns`, { headers: { authorization: `Bearer ${sim.token}` } });
 *   sim.truth().campaigns; sim.advance({ seconds: 3600 }); await sim.stop();
 */
import type { AddressInfo } from 'node:net';
import { FaultPlan, type FaultRule } from './http/faults.js';
import { CursorCodec } from './http/paging.js';
import { LIMITER_MODES, RateLimiter } from './http/rate-limit.js';
import { createSimServer } from './http/server.js';
import type { SimState } from './http/state.js';
import type { Simulator, SimulatorOptions } from './http/types.js';
import { DEFAULT_NOW, World } from './world/data.js';
import { advanceWorld } from './world/mutate.js';
import { type AdvanceOptions, CATALOG_GROWTHS, SHAPES } from './world/types.js';

export type { FaultEffect, FaultKind, FaultRule, FaultTarget } from './http/faults.js';
export { RANDOM_MIX } from './http/faults.js';
export { LIMITER_MODES, type LimiterMode } from './http/rate-limit.js';
export type { RequestLogEntry, SimStats, Simulator, SimulatorOptions } from './http/types.js';
export { type WebhookEvent, webhookEvents } from './webhooks/events.js';
export { type SendOptions, type SendResult, sendWebhooks, signWebhook } from './webhooks/sender.js';
export { DEFAULT_NOW, type GroundTruth } from './world/data.js';
export type {
  AdvanceOptions,
  AdvanceResult,
  CatalogGrowth,
  ChangeCounts,
  Json,
  JsonObject,
  Shapes,
  SuppressionType,
  WorldKind,
} from './world/types.js';
export { CATALOG_GROWTHS, SHAPES, SUPPRESSION_TYPES } from './world/types.js';

function check(name: string, value: number, ok: boolean): number {
  if (!Number.isFinite(value) || !ok) throw new RangeError(`invalid simulator option ${name}: ${value}`);
  return value;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const seed = check('seed', opts.seed ?? 1, Number.isInteger(opts.seed ?? 1));
  const scale = check('scale', opts.scale ?? 1, (opts.scale ?? 1) > 0);
  const rps = check('rps', opts.rps ?? 10, (opts.rps ?? 10) >= 0);
  const faultRate = check(
    'faultRate',
    opts.faultRate ?? 0,
    (opts.faultRate ?? 0) >= 0 && (opts.faultRate ?? 0) <= 1,
  );
  const now = check('now', opts.now ?? DEFAULT_NOW, Number.isInteger(opts.now ?? DEFAULT_NOW));
  const token = opts.token ?? 'sim-token';
  if (token === '' || /\s/.test(token)) throw new RangeError('invalid simulator option token');
  const shapes = opts.shapes ?? 'live';
  if (!SHAPES.includes(shapes)) throw new RangeError(`invalid simulator option shapes: ${String(shapes)}`);
  const limiter = opts.limiter ?? 'token-bucket';
  if (!LIMITER_MODES.includes(limiter))
    throw new RangeError(`invalid simulator option limiter: ${String(limiter)}`);
  const world = opts.world ?? 'seeded';
  if (world !== 'seeded' && world !== 'empty')
    throw new RangeError(`invalid simulator option world: ${String(world)}`);
  const catalogGrowth = opts.catalogGrowth ?? 'sqrt';
  if (!CATALOG_GROWTHS.includes(catalogGrowth))
    throw new RangeError(`invalid simulator option catalogGrowth: ${String(catalogGrowth)}`);

  const state: SimState = {
    seed,
    token,
    latencyMs: check('latencyMs', opts.latencyMs ?? 0, (opts.latencyMs ?? 0) >= 0),
    latencyJitterMs: check('latencyJitterMs', opts.latencyJitterMs ?? 0, (opts.latencyJitterMs ?? 0) >= 0),
    world: new World(seed, scale, now, { shapes, world, catalogGrowth }),
    codec: new CursorCodec(seed, shapes),
    faults: new FaultPlan(seed, faultRate),
    limiter: new RateLimiter(rps, undefined, limiter),
    log: [],
    stats: { requests: 0, rateLimited: 0, faults: 0 },
    unknownRoutes: [],
  };

  const server = createSimServer(state);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    token,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    truth: () => state.world.truth(),
    advance: (advance?: AdvanceOptions) => advanceWorld(state.world, advance),
    injectFault: (rule: FaultRule) => state.faults.inject(rule),
    clearFaults: () => state.faults.clear(),
    setRateLimit: (value: number) => state.limiter.set(value),
    unknownRoutes: () => state.unknownRoutes.slice(),
    requestLog: () => state.log.map((e) => ({ ...e, query: { ...e.query } })),
    stats: () => ({ ...state.stats }),
  };
}
