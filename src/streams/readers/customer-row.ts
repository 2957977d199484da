import { isRecord } from '../../core/json.js';
import type { Row } from '../types.js';

export type Person = Record<string, unknown>;

/** cio_id as a string without the `cio_` prefix that path lookups use. */
export function normalCioId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value === '') return null;
  return value.startsWith('cio_') ? value.slice(4) : value;
}

function stringOrNull(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** One person of the attributes answer as a row; `listed` is their entry in the ids page. */
export function customerRow(cioId: string, person: Person, listed: Person): Row {
  const identifiers = isRecord(person.identifiers) ? person.identifiers : listed;
  const attributes = isRecord(person.attributes) ? person.attributes : null;
  return {
    ...person,
    cio_id: cioId,
    id: stringOrNull(person.id ?? identifiers.id ?? attributes?.id),
    email: stringOrNull(identifiers.email ?? attributes?.email),
    identifiers,
    attributes,
    timestamps: person.timestamps ?? null,
    devices: person.devices ?? null,
    unsubscribed: person.unsubscribed ?? null,
  };
}
