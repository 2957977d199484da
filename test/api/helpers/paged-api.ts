import type { RecordedRequest, Reply } from './scripted-server.js';

/** How a cursor endpoint marks its last page. */
export type LastNext = 'missing' | 'null' | 'empty';

/** Opaque, like the real API's tokens, but decodable so the fake can find the page. */
export function cursorFor(page: number): string {
  return Buffer.from(`page:${page}:${(page * 7919) % 1000}`).toString('base64url');
}

function pageFromCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^page:(\d+):/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : -1;
}

/** A cursor-paged list endpoint serving `pages` as laid out (empty pages in the middle carry a cursor). */
export function cursorPagedApi(key: string, pages: unknown[][], lastNext: LastNext = 'empty') {
  return (req: RecordedRequest): Reply => {
    const index = pageFromCursor(req.query.start);
    const records = pages[index];
    if (records === undefined)
      return { status: 400, body: { errors: [{ detail: 'bad start', status: '400' }] } };
    const body: Record<string, unknown> = { [key]: records };
    if (index < pages.length - 1) body.next = cursorFor(index + 1);
    else if (lastNext === 'null') body.next = null;
    else if (lastNext === 'empty') body.next = '';
    return { body };
  };
}

/** How an offset endpoint answers past the end (the records key is always there: a body without it is an error). */
export type PastEnd = 'empty' | 'null';

/** A limit/offset endpoint over `records`, like the ESP suppression lists. */
export function offsetPagedApi(key: string, records: unknown[], pastEnd: PastEnd = 'empty') {
  return (req: RecordedRequest): Reply => {
    const limit = Number(req.query.limit);
    const offset = Number(req.query.offset ?? 0);
    const slice = records.slice(offset, offset + limit);
    return { body: { [key]: slice.length > 0 || pastEnd === 'empty' ? slice : null } };
  };
}
