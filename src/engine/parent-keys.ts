import type { ParentKey, StreamDefinition } from '../streams/types.js';

/**
 * The keys of parent rows a run read, handed from a parent table's read to the tables read per
 * parent (docs/streams.md, "Structure tables"): a child reads the parents this same run listed,
 * and the parent list costs no request of its own. A child of a parent that is not in the run, or
 * whose read in this run was not whole (resumed, failed), gets undefined and lists the parents itself.
 */
export class ParentKeyBoard {
  private readonly boards = new Map<
    string,
    {
      keys: Promise<readonly ParentKey[] | undefined>;
      settle: (keys: readonly ParentKey[] | undefined) => void;
    }
  >();

  /** `selected`: the run's tables; a parent gets a board only when one of its children is read too. */
  constructor(selected: readonly StreamDefinition[]) {
    const names = new Set(selected.map((def) => def.name));
    for (const def of selected) {
      const parent = def.parent?.table;
      if (parent === undefined || !names.has(parent) || this.boards.has(parent)) continue;
      let settle: (keys: readonly ParentKey[] | undefined) => void = () => {};
      const keys = new Promise<readonly ParentKey[] | undefined>((resolve) => {
        settle = resolve;
      });
      this.boards.set(parent, { keys, settle });
    }
  }

  /** Whether a child in this run waits for this table's keys. */
  wanted(table: string): boolean {
    return this.boards.has(table);
  }

  /** The parent table's read is over: its keys, or undefined when it did not read the whole table. Only the first call counts. */
  publish(table: string, keys: readonly ParentKey[] | undefined): void {
    this.boards.get(table)?.settle(keys);
  }

  /** Resolves once the parent's read in this run is over (at once when the parent is not in the run). */
  keysOf(table: string): Promise<readonly ParentKey[] | undefined> {
    return this.boards.get(table)?.keys ?? Promise.resolve(undefined);
  }
}
