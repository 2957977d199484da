/**
 * Control routes outside /v1, for driving a simulator that runs in another process (e.g.
 * `cio-sync sim`). No auth: the simulator listens on loopback by default.
 *
 *   POST   /__sim/advance      body AdvanceOptions            -> AdvanceResult
 *   GET    /__sim/truth                                       -> GroundTruth
 *   GET    /__sim/stats                                       -> { stats, unknownRoutes }
 *   GET    /__sim/requests                                    -> RequestLogEntry[]
 *   POST   /__sim/faults       body FaultRule (path: string,  -> {}
 *                              or pathRegex: string)
 *   DELETE /__sim/faults                                      -> {}
 *   POST   /__sim/rate_limit   body { rps: number }           -> {}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { advanceWorld } from '../world/mutate.js';
import type { AdvanceOptions } from '../world/types.js';
import type { FaultRule } from './faults.js';
import type { SimState } from './state.js';

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(bytes.length),
  });
  res.end(bytes);
}

export async function handleControl(
  state: SimState,
  method: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const route = `${method} ${url.pathname}`;
  try {
    switch (route) {
      case 'POST /__sim/advance':
        return send(res, 200, advanceWorld(state.world, (await readBody(req)) as AdvanceOptions));
      case 'GET /__sim/truth':
        return send(res, 200, state.world.truth());
      case 'GET /__sim/stats':
        return send(res, 200, { stats: state.stats, unknownRoutes: state.unknownRoutes });
      case 'GET /__sim/requests':
        return send(res, 200, state.log);
      case 'POST /__sim/faults': {
        const { pathRegex, ...rule } = await readBody(req);
        if (typeof pathRegex === 'string') rule.path = new RegExp(pathRegex);
        state.faults.inject(rule as unknown as FaultRule);
        return send(res, 200, {});
      }
      case 'DELETE /__sim/faults':
        state.faults.clear();
        return send(res, 200, {});
      case 'POST /__sim/rate_limit': {
        const { rps } = await readBody(req);
        state.limiter.set(typeof rps === 'number' ? rps : Number.NaN);
        return send(res, 200, {});
      }
      default:
        state.unknownRoutes.push(route);
        return send(res, 404, { errors: [{ detail: `No such control route: ${route}`, status: '404' }] });
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return send(res, 400, { errors: [{ detail, status: '400' }] });
  }
}
