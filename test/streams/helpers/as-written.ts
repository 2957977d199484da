/**
 * Rows as every output writes them: Singer and Airbyte records and json columns go through JSON,
 * where a row's DateTime values become their RFC 3339 text. Tests compare and validate that form.
 */
export function asWritten<T>(rows: T): T {
  return JSON.parse(JSON.stringify(rows)) as T;
}
