/** Shapes shared by the route table, the handlers and the server. */
import type { World } from '../world/data.js';
import type { PageBytes } from '../world/page-cache.js';
import type { JsonObject } from '../world/types.js';
import type { CursorCodec } from './paging.js';

export type { PageBytes } from '../world/page-cache.js';

export interface SimRequest {
  method: string;
  path: string;
  /** Decoded path parameters (`:id` -> params.id). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body of a POST (undefined for GET). */
  body: unknown;
}

/** What cursor faults need to rewrite a page. */
export interface CursorInfo {
  recordsKey: string;
  /** The `start` the request sent, if any. */
  start: string | undefined;
  /** A different-looking token that resumes exactly where this request started. */
  restart: string;
}

/** An answer built as an object, serialized by the server. */
export interface ObjectResult {
  body: JsonObject;
  cursor?: CursorInfo;
  page?: undefined;
}

export interface PageResult {
  page: PageBytes;
  cursor: CursorInfo;
  body?: undefined;
}

export type HandlerResult = ObjectResult | PageResult;

export interface HandlerContext {
  world: World;
  codec: CursorCodec;
}

export type Handler = (req: SimRequest, ctx: HandlerContext) => HandlerResult;

export type PagingKind = 'cursor' | 'offset' | 'none';

export interface Route {
  method: 'GET' | 'POST';
  /** `/v1/campaigns/:id`; `:name(a|b)` restricts a segment to listed values. */
  pattern: string;
  paging: PagingKind;
  /** Served without a bearer token (the IP allow-list). */
  public?: boolean;
  handler: Handler;
}
