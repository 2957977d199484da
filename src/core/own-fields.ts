/**
 * Field access on records keyed by names that come from data. A plain object inherits
 * `constructor`, `toString`, `__proto__` and friends from Object.prototype: reading a field a record
 * lacks must not find those, and setting a field named `__proto__` must not change the prototype.
 */

/** The record's own field `name`; undefined when the record does not carry it itself. */
export function ownField(record: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Sets `name` as the record's own field, like JSON.parse does (plain assignment of `__proto__` would not). */
export function setOwnField<T>(record: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') {
    Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[name] = value;
  }
}
