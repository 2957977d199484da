/**
 * Group commit: requests that arrive while a transaction commits wait for the next one, which takes
 * them all. Under load each transaction carries many events; alone, an event commits at once.
 */
export class GroupCommit<T, R> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private running: Promise<void> | undefined;

  constructor(
    /** Commits `items` in one transaction; returns each one's result, in order. */
    private readonly commit: (items: readonly T[]) => Promise<readonly R[]>,
    /** Items one transaction takes at most. */
    private readonly maxBatch = 1000,
  ) {}

  /** Items waiting for a transaction (not counting those committing now). */
  get waiting(): number {
    return this.pending.length;
  }

  /** Resolves with the item's result once its transaction committed; rejects if it failed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let the requests that arrive in the same turn of the event loop join the first transaction.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const results = await this.commit(batch.map((entry) => entry.item));
        for (const [index, entry] of batch.entries()) entry.resolve(results[index] as R);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.running = undefined;
  }
}
