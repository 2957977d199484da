/**
 * Deterministic randomness for the simulated world. Every record is generated from its own small
 * PRNG seeded by a hash of (world seed, table, index), so any record can be rebuilt on demand
 * without generating the ones before it.
 */

function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a string, for turning table names and tags into hash inputs. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Folds one more number into a hash32 state: hashNumber(hash32(...parts), n) === hash32(...parts, n).
 * Hot paths hash a fixed prefix (seed, table tag) once and extend it per record.
 */
export function hashNumber(h: number, part: number): number {
  // Values above 2^32 (none expected, but timestamps in ms could be) keep their high bits.
  const high = Math.floor(part / 4294967296);
  let out = mix32(h ^ mix32((part >>> 0) + 0x7f4a7c15));
  if (high !== 0) out = mix32(out ^ mix32(high));
  return out;
}

/** Combines non-negative integers (or strings) into one 32-bit hash. */
export function hash32(...parts: readonly (number | string)[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = typeof part === 'string' ? mix32(h ^ hashString(part)) : hashNumber(h, part);
  }
  return h;
}

/** A hash mapped onto [0, 1). */
export function unitHash(...parts: readonly (number | string)[]): number {
  return hash32(...parts) / 4294967296;
}

/** mulberry32: tiny, fast, good enough for test data. */
export class Rng {
  /**
   * The 32-bit state, in a typed array: half its values are above V8's small-integer range, and
   * a plain property holding one is a heap number, allocated anew on every draw.
   */
  private readonly state = new Uint32Array(1);

  constructor(seed: number) {
    this.state[0] = seed >>> 0;
  }

  /** Restarts this generator as `new Rng(seed)` would, without allocating one (hot loops). */
  reset(seed: number): this {
    this.state[0] = seed >>> 0;
    return this;
  }

  static for(...parts: readonly (number | string)[]): Rng {
    return new Rng(hash32(...parts));
  }

  next(): number {
    return this.uint32() / 4294967296;
  }

  /** The next draw as a 32-bit integer: Math.floor(next() * 2^32), consuming the same draw. */
  uint32(): number {
    let t = (this.state[0]! + 0x6d2b79f5) >>> 0;
    this.state[0] = t;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of choices) total += weight;
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  /** The index weighted() would pick for these weights (same draws, same arithmetic). */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (let k = 0; k < weights.length; k++) total += weights[k]!;
    let roll = this.next() * total;
    for (let k = 0; k < weights.length; k++) {
      roll -= weights[k]!;
      if (roll < 0) return k;
    }
    return weights.length - 1;
  }

  /** The index pick() would choose from a list of this length. */
  index(length: number): number {
    if (length === 0) throw new RangeError('pick from an empty list');
    return Math.floor(this.next() * length);
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += Math.floor(this.next() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, length);
  }

  /** Distinct items, order randomised (Fisher-Yates on a copy). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy.slice(0, n);
  }
}
