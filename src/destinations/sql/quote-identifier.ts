/** Quotes an SQL identifier for both engines: wrapped in double quotes, inner double quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
