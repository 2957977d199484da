/**
 * Fault injection. A rule is an effect plus a target:
 *
 *   effects
 *   { kind: 'status', status: 500 | 502 | 503 | 504 | 403 }  standard error envelope with that status
 *   { kind: 'rate_limit', retryAfter?: number | null }       429; retryAfter seconds (default 1),
 *                                                            null = no Retry-After (daily quota)
 *   { kind: 'reset', afterBytes?: number }                   socket destroyed: before any byte, or
 *                                                            after the headers and `afterBytes` of the body
 *   { kind: 'slow', delayMs: number }                        normal answer, `delayMs` late
 *   { kind: 'truncated' }                                    200 whose JSON body is cut in half
 *                                                            (Content-Length matches the cut body)
 *   { kind: 'malformed' }                                    200 whose body is not valid JSON
 *   { kind: 'repeat_cursor' }                                `next` equals the request's `start`
 *                                                            (first pages, without start, are left alone)
 *   { kind: 'empty_page_with_cursor' }                       no records, but a fresh token that
 *                                                            resumes exactly where this request started
 *   { kind: 'ignore_sort' }                                  the answer is built as if the request had
 *                                                            no `sort` (a server that ignores it; aim
 *                                                            it at every request of a path: a cursor
 *                                                            minted for one order is refused by the other)
 *
 *   target (all optional)
 *   method      'GET' | 'POST'
 *   path        exact path ('/v1/messages') or a RegExp tested against the path
 *   nth         1-based numbers of the matching requests that get the fault (e.g. [2, 3])
 *   probability chance per matching request (seeded); without nth/probability every match fires
 *   count       fire at most this many times
 *
 * Only authenticated /v1 requests that passed the rate limiter are considered. The cursor effects
 * (repeat_cursor, empty_page_with_cursor, ignore_sort) only match cursor-paged endpoints. Rules are tried in
 * the order they were injected; the first that fires wins. Then, if `faultRate` > 0, a random
 * transient fault is drawn from RANDOM_MIX.
 */
import { hash32, Rng } from '../world/prng.js';

export type FaultEffect =
  | { kind: 'status'; status: 500 | 502 | 503 | 504 | 403 }
  | { kind: 'rate_limit'; retryAfter?: number | null }
  | { kind: 'reset'; afterBytes?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'truncated' }
  | { kind: 'malformed' }
  | { kind: 'repeat_cursor' }
  | { kind: 'empty_page_with_cursor' }
  | { kind: 'ignore_sort' };

export interface FaultTarget {
  method?: 'GET' | 'POST';
  path?: string | RegExp;
  nth?: number[];
  probability?: number;
  count?: number;
}

export type FaultRule = FaultEffect & FaultTarget;
export type FaultKind = FaultRule['kind'];

export interface FaultRequest {
  method: string;
  path: string;
  cursorPaged: boolean;
}

/** Transient faults only: the random mix never sends 403, quota 429s or repeated cursors. */
export const RANDOM_MIX: readonly (readonly [FaultEffect, number])[] = [
  [{ kind: 'rate_limit', retryAfter: 1 }, 3],
  [{ kind: 'status', status: 500 }, 2],
  [{ kind: 'status', status: 502 }, 1],
  [{ kind: 'status', status: 503 }, 2],
  [{ kind: 'status', status: 504 }, 1],
  [{ kind: 'reset' }, 1],
  [{ kind: 'slow', delayMs: 1500 }, 1],
  [{ kind: 'truncated' }, 1],
  [{ kind: 'malformed' }, 1],
  [{ kind: 'empty_page_with_cursor' }, 1],
];

const CURSOR_KINDS: ReadonlySet<FaultKind> = new Set([
  'repeat_cursor',
  'empty_page_with_cursor',
  'ignore_sort',
]);
const STATUSES = new Set([500, 502, 503, 504, 403]);

interface ActiveRule {
  rule: FaultRule;
  matched: number;
  fired: number;
  rng: Rng;
}

export function validateFaultRule(rule: FaultRule): void {
  const fail = (why: string): never => {
    throw new TypeError(`invalid fault rule: ${why}`);
  };
  switch (rule.kind) {
    case 'status':
      if (!STATUSES.has(rule.status)) fail('status must be one of 500, 502, 503, 504, 403');
      break;
    case 'rate_limit':
      if (
        rule.retryAfter !== undefined &&
        rule.retryAfter !== null &&
        !(Number.isInteger(rule.retryAfter) && rule.retryAfter >= 1)
      )
        fail('retryAfter must be an integer >= 1 or null');
      break;
    case 'reset':
      if (rule.afterBytes !== undefined && !(Number.isInteger(rule.afterBytes) && rule.afterBytes >= 0))
        fail('afterBytes must be a non-negative integer');
      break;
    case 'slow':
      if (!(Number.isFinite(rule.delayMs) && rule.delayMs >= 0))
        fail('delayMs must be a non-negative number');
      break;
    case 'truncated':
    case 'malformed':
    case 'repeat_cursor':
    case 'empty_page_with_cursor':
    case 'ignore_sort':
      break;
    default:
      fail(`unknown kind ${String((rule as { kind: unknown }).kind)}`);
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1))
    fail('probability must be between 0 and 1');
  if (rule.nth?.some((n) => !Number.isInteger(n) || n < 1)) fail('nth must hold positive integers');
  if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count >= 0))
    fail('count must be >= 0');
}

export class FaultPlan {
  private rules: ActiveRule[] = [];
  private added = 0;
  private readonly random: Rng;

  constructor(
    private readonly seed: number,
    private readonly rate: number,
  ) {
    this.random = Rng.for(seed, 'random-faults');
  }

  inject(rule: FaultRule): void {
    validateFaultRule(rule);
    this.rules.push({
      rule,
      matched: 0,
      fired: 0,
      rng: new Rng(hash32(this.seed, 'fault-rule', this.added++)),
    });
  }

  clear(): void {
    this.rules = [];
  }

  /** The effect for this request, if any (counts the request against every matching rule). */
  decide(req: FaultRequest): FaultEffect | undefined {
    let chosen: FaultEffect | undefined;
    for (const active of this.rules) {
      const { rule } = active;
      if (!this.matches(rule, req)) continue;
      active.matched++;
      if (chosen) continue;
      if (rule.count !== undefined && active.fired >= rule.count) continue;
      const fires =
        rule.nth !== undefined
          ? rule.nth.includes(active.matched)
          : rule.probability !== undefined
            ? active.rng.next() < rule.probability
            : true;
      if (fires) {
        active.fired++;
        chosen = rule;
      }
    }
    if (chosen || this.rate <= 0) return chosen;
    if (this.random.next() >= this.rate) return undefined;
    const effect = this.random.weighted(RANDOM_MIX);
    return CURSOR_KINDS.has(effect.kind) && !req.cursorPaged ? { kind: 'status', status: 503 } : effect;
  }

  private matches(rule: FaultRule, req: FaultRequest): boolean {
    if (rule.method !== undefined && rule.method !== req.method) return false;
    if (typeof rule.path === 'string' && rule.path !== req.path) return false;
    if (rule.path instanceof RegExp) {
      rule.path.lastIndex = 0; // a /g or /y pattern would otherwise match every other request
      if (!rule.path.test(req.path)) return false;
    }
    if (CURSOR_KINDS.has(rule.kind) && !req.cursorPaged) return false;
    return true;
  }
}
