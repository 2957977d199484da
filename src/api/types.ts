/** The contract between the API client (src/api) and the stream readers (src/streams). */

export type QueryValue = string | number | boolean | undefined;

export interface ApiRequest {
  method: 'GET' | 'POST';
  /** Path below the host, starting with `/v1/`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** JSON body for POST. */
  body?: unknown;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** The stream on whose behalf the request is made (for stats, logs and error messages). */
  stream?: string;
  /** Called with the `Date` header of the 2xx answer (the API's clock), when it has one. */
  onDate?: (date: string) => void;
}

export interface RequestStats {
  /** Requests sent, retries included. */
  requests: number;
  /** Of those, answered 429. */
  rateLimited: number;
  /** Of those, retried for any reason. */
  retried: number;
  /** Per stream: requests sent. */
  byStream: Record<string, number>;
}

export interface ApiClient {
  /**
   * Sends one logical request (retrying transient failures under the shared budget) and returns
   * the parsed JSON body of the 2xx answer. Throws CioError otherwise.
   */
  request(req: ApiRequest, opts?: RequestOptions): Promise<unknown>;
  readonly stats: RequestStats;
  close(): Promise<void>;
}

/** How a list endpoint pages. */
export type Paging =
  | { kind: 'none' }
  /** `start`/`limit` query parameters, `next` in the body; `pageSize` is the largest limit allowed. */
  | {
      kind: 'cursor';
      pageSize: number;
      /** False: the endpoint takes no `limit` (its pages hold `pageSize` records); only `start` is sent. */
      sendsLimit?: false;
    }
  /**
   * `limit`/`offset` query parameters, no cursor; the last page is short, empty or null.
   * `defaultPageSize`: the endpoint's documented default. A page of exactly that many rows may be a
   * server that ignored our larger `limit`, so it is not taken as the last one (one request more
   * at worst, against silently stopping after the first page).
   */
  | { kind: 'offset'; pageSize: number; defaultPageSize?: number };

/** Where to continue a paged read; null means the read is complete. JSON-serialisable (kept in state). */
export type PagePosition = { cursor: string } | { offset: number };

export interface FetchedPage {
  /** The array under the records key (an empty array when the API sent null or nothing). */
  records: unknown[];
  /** The whole parsed body, for envelopes with extra fields. */
  body: Record<string, unknown>;
  /** Where the next page starts; null when this was the last page. */
  next: PagePosition | null;
}
