import type { ParentKey, StreamDefinition } from '../streams/types.js';
import type { ReadScope } from './read-scope.js';

/** What a parent table's read in this run hands its children: every key it read, and which read it was. */
export interface ParentRead {
  keys: readonly ParentKey[];
  /** Complete: every parent. Partial (a planned partial read that finished): only those it returned. */
  scope: ReadScope;
}

/**
 * The keys of parent rows a run read, handed from a parent table's read to the tables read per
 * parent (docs/streams.md, "Structure tables"): a child reads the parents this same run listed,
 * and the parent list costs no request of its own. A child of a parent that is not in the run, or
 * whose read in this run did not finish whole (resumed, failed), gets undefined and lists the parents
 * itself.
 */
export class ParentKeyBoard {
  private readonly boards = new Map<
    string,
    {
      read: Promise<ParentRead | undefined>;
      settle: (read: ParentRead | undefined) => void;
    }
  >();

  /** `selected`: the run's tables; a parent gets a board only when one of its children is read too. */
  constructor(selected: readonly StreamDefinition[]) {
    const names = new Set(selected.map((def) => def.name));
    for (const def of selected) {
      const parent = def.parent?.table;
      if (parent === undefined || !names.has(parent) || this.boards.has(parent)) continue;
      let settle: (read: ParentRead | undefined) => void = () => {};
      const read = new Promise<ParentRead | undefined>((resolve) => {
        settle = resolve;
      });
      this.boards.set(parent, { read, settle });
    }
  }

  /** Whether a child in this run waits for this table's keys. */
  wanted(table: string): boolean {
    return this.boards.has(table);
  }

  /** The parent table's read is over: what it read, or undefined when it did not finish whole. Only the first call counts. */
  publish(table: string, read: ParentRead | undefined): void {
    this.boards.get(table)?.settle(read);
  }

  /** Resolves once the parent's read in this run is over (at once when the parent is not in the run). */
  readOf(table: string): Promise<ParentRead | undefined> {
    return this.boards.get(table)?.read ?? Promise.resolve(undefined);
  }
}
