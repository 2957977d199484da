/** A JSON object (not null, not an array): the shape of a record, a config file or a state entry. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
