import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { stateResetAdvice } from '../../core/state.js';
import { checkPagePosition, pagePositionFrom } from '../resume-position.js';
import type { ListPass, Row, StreamDefinition, StreamReader } from '../types.js';
import { readTableStream } from './list.js';

/**
 * Where an interrupted multi-pass read goes on: the pass, and the page of that pass (absent: its
 * first page). A page cursor belongs to its pass's query and is never sent with another.
 */
export interface PassPosition {
  pass: number;
  page?: unknown;
}

function passesOf(def: StreamDefinition): readonly ListPass[] {
  if (def.passes === undefined || def.passes.length === 0) {
    throw new CioError('CIO_ERR_INTERNAL', `${def.name}: the passes reader needs \`passes\` in its entry`);
  }
  return def.passes;
}

export function passPositionFrom(resume: unknown, def: StreamDefinition): PassPosition {
  if (resume === undefined || resume === null) return { pass: 0 };
  const count = passesOf(def).length;
  if (
    isRecord(resume) &&
    typeof resume.pass === 'number' &&
    Number.isInteger(resume.pass) &&
    resume.pass >= 0 &&
    resume.pass < count
  ) {
    if (resume.page === undefined || resume.page === null) return { pass: resume.pass };
    checkPagePosition(resume.page, def);
    return { pass: resume.pass, page: pagePositionFrom(resume.page, def.name) };
  }
  throw new CioError(
    'CIO_ERR_STATE',
    `${def.name}: saved position is not a position of its ${count} passes: ${JSON.stringify(resume)}. ${stateResetAdvice(def.name)}`,
    { stream: def.name },
  );
}

/** A pass's values for the fields a record leaves out (a record's own value wins). */
function withDefaults(row: Row, pass: ListPass): Row {
  if (pass.defaults === undefined) return row;
  const filled: Row = { ...row };
  for (const [field, value] of Object.entries(pass.defaults)) {
    if (filled[field] === undefined || filled[field] === null) filled[field] = value;
  }
  return filled;
}

/**
 * One table listed by the same endpoint under several queries (sender identities: the visible ones,
 * then `hidden=true`), read one pass after another. A record a pass repeats (the vendor's
 * `hidden=true` lists the visible senders too; live lists only the hidden ones) is yielded once.
 */
export const readPasses: StreamReader = async function* readPasses(def, ctx) {
  const passes = passesOf(def);
  const from = passPositionFrom(ctx.resume, def);
  const seen = new Set<string>();
  const keyOf = (row: Row) => JSON.stringify(def.primaryKey.map((field) => row[field]));
  for (let index = from.pass; index < passes.length; index++) {
    const pass = passes[index] as ListPass;
    const passDef: StreamDefinition = {
      ...def,
      request: { ...def.request, query: { ...def.request.query, ...pass.query } },
    };
    const resume = index === from.pass ? from.page : undefined;
    const last = index === passes.length - 1;
    for await (const page of readTableStream(passDef, { ...ctx, resume })) {
      const rows: Row[] = [];
      for (const row of page.rows) {
        const key = keyOf(row);
        if (seen.has(key)) continue;
        seen.add(key);
        rows.push(withDefaults(row, pass));
      }
      const position: PassPosition | null =
        page.position !== null ? { pass: index, page: page.position } : last ? null : { pass: index + 1 };
      yield { rows, position };
    }
  }
};

/** Throws unless a multi-pass read can go on from `position`. */
export function checkPassPosition(position: unknown, def: StreamDefinition): void {
  passPositionFrom(position, def);
}
