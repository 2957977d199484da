/**
 * The last few feed pages served, and the memory they are written in.
 *
 * - A page asked for again (a retry after a fault or a timeout, a second client walking the same
 *   cursor chain) is answered from the cache, not generated again. Entries belong to one world
 *   version: any change to the world (advance) empties the cache, so it never serves stale data.
 * - A page of 1000 messages is about 600 KB. Allocating that afresh for every page costs more
 *   (page faults, GC of external memory) than writing it, so evicted pages' buffers are reused for
 *   new pages, but only once no response is still writing them (see `hold`).
 *
 * Bounded: `capacity` cached pages plus `spares` idle buffers, each about one page (a page
 * buffer grows past its first size only for records longer than expected).
 */

/**
 * A feed page serialized: exactly the UTF-8 of JSON.stringify({ [recordsKey]: records, next })
 * (records `null` for an empty page in live shapes).
 */
export interface PageBytes {
  recordsKey: string;
  /** The body. Nothing may write into it: the page is cached and may be served again. */
  bytes: Buffer;
  /** Byte offset of the `]` that closes the records array; -1 when the records are `null`. */
  recordsEnd: number;
  next: string;
}

interface Entry {
  page: PageBytes;
  /** The buffer `page.bytes` is a view of. */
  backing: Buffer;
  /** Responses still writing the page's bytes to a socket. */
  writers: number;
  evicted: boolean;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byPage = new WeakMap<PageBytes, Entry>();
  private readonly idle: Buffer[] = [];
  private version = -1;

  constructor(
    private readonly capacity: number,
    private readonly spares = 2,
  ) {}

  get(version: number, key: string): PageBytes | undefined {
    if (version !== this.version) {
      this.clear(version);
      return undefined;
    }
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Most recently used last: a Map keeps insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.page;
  }

  /** A buffer of at least `size` bytes to write a new page into: an idle one, or a new one. */
  buffer(size: number): Buffer {
    const k = this.idle.findIndex((b) => b.length >= size);
    return k >= 0 ? this.idle.splice(k, 1)[0]! : Buffer.allocUnsafe(size);
  }

  /** Caches a page whose bytes are a view of `backing` (which the cache then owns). */
  set(version: number, key: string, page: PageBytes, backing: Buffer): void {
    if (version !== this.version) this.clear(version);
    const old = this.entries.get(key);
    if (old) this.evict(key, old);
    const entry: Entry = { page, backing, writers: 0, evicted: false };
    this.entries.set(key, entry);
    this.byPage.set(page, entry);
    for (const [oldest, e] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      this.evict(oldest, e);
    }
  }

  /**
   * Marks a page as being written to a client; call the returned function once the response is
   * over (finished or aborted), when the socket no longer refers to the bytes.
   */
  hold(page: PageBytes): () => void {
    const entry = this.byPage.get(page);
    if (!entry) return () => {};
    entry.writers++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.writers--;
      if (entry.evicted) this.recycle(entry);
    };
  }

  clear(version = this.version): void {
    for (const [key, entry] of this.entries) this.evict(key, entry);
    this.version = version;
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(key: string, entry: Entry): void {
    this.entries.delete(key);
    entry.evicted = true;
    this.recycle(entry);
  }

  private recycle(entry: Entry): void {
    if (entry.writers > 0 || this.idle.length >= this.spares || this.idle.includes(entry.backing)) return;
    this.idle.push(entry.backing);
  }
}
