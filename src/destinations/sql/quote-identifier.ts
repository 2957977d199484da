/**
 * Standard SQL quoting of an identifier: wrapped in double quotes, inner double quotes doubled. An
 * engine's dialect chooses it as its `quote` (DuckDB and PostgreSQL both do).
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
