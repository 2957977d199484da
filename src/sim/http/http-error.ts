/** Errors the simulator answers with, in the API's standard error envelope. */
import { hash32 } from '../world/prng.js';
import type { JsonObject } from '../world/types.js';

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code?: string,
  ) {
    super(detail);
    this.name = 'SimHttpError';
  }
}

/** Six hex digits, like the vendor's "(reference a1b2c3)"; deterministic per seed and request number. */
export function reference(seed: number, requestNumber: number): string {
  return hash32(seed, 'reference', requestNumber).toString(16).padStart(8, '0').slice(0, 6);
}

/** `{"errors":[{"detail":..., "status":"NNN", "code"?: ...}]}`; status is a string, as documented. */
export function errorEnvelope(status: number, detail: string, code?: string): JsonObject {
  const error: JsonObject = { detail, status: String(status) };
  if (code !== undefined) error.code = code;
  return { errors: [error] };
}

export const UNAUTHORIZED_DETAIL = 'Unauthorized request. Make sure that you provided the right credentials.';
