/** How `cio-sync query` prints a result. */
export const QUERY_FORMATS = ['table', 'json', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

export interface QueryResultTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** A cell wider than this is cut in the aligned table (json and csv print every value whole). */
const MAX_CELL_WIDTH = 60;

/**
 * A driver's value as JSON: integers beyond 2^53 and decimals as the driver spells them stay text
 * (no digit lost), times as ISO 8601, bytes as hex, nested values recursively.
 */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonValue(inner)]));
  }
  return value;
}

/** A value as one line of text: strings as they are, nested values as JSON, NULL as empty. */
function textOf(value: unknown): string {
  const json = jsonValue(value);
  if (json === null) return '';
  return typeof json === 'string' ? json : JSON.stringify(json);
}

function cellOf(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const flat = textOf(value).replace(/\r?\n/g, '\\n').replace(/\t/g, ' ');
  return flat.length > MAX_CELL_WIDTH ? `${flat.slice(0, MAX_CELL_WIDTH - 3)}...` : flat;
}

/** Columns padded to their widest cell, numbers right-aligned, then the row count. */
function alignedTable({ columns, rows }: QueryResultTable): string {
  const cells = rows.map((row) => columns.map((_, index) => cellOf(row[index])));
  const widths = columns.map((name, index) =>
    Math.max(name.length, ...cells.map((row) => row[index]!.length)),
  );
  const numeric = columns.map(
    (_, index) =>
      rows.some((row) => row[index] !== null && row[index] !== undefined) &&
      rows.every((row) => ['number', 'bigint'].includes(typeof row[index]) || row[index] === null),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, index) => (numeric[index] ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join(' | ')
      .trimEnd();
  const count = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  return [line(columns), widths.map((width) => '-'.repeat(width)).join('-+-'), ...cells.map(line), count]
    .join('\n')
    .concat('\n');
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatQueryResult(result: QueryResultTable, format: QueryFormat): string {
  switch (format) {
    case 'table':
      return alignedTable(result);
    case 'csv':
      return [result.columns, ...result.rows.map((row) => result.columns.map((_, i) => textOf(row[i])))]
        .map((row) => `${row.map(csvField).join(',')}\r\n`)
        .join('');
    case 'json': {
      const objects = result.rows.map((row) =>
        Object.fromEntries(result.columns.map((name, index) => [name, jsonValue(row[index])])),
      );
      return `${JSON.stringify(objects, null, 2)}\n`;
    }
  }
}
