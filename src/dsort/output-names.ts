// The names of output shards (AIStore's ParsedTemplate as dSort takes it), on the shared range
// template parser: a bash range (`out-{0000..9999}.tar`), the "at" form (`out-@00999.tar`: 0
// through 999, as wide as the digits written) or the printf form (`out-%06d.tar`: 0, 1, 2, ...
// without end, so the shard size must bound the count).
import { badRequest } from '../errors/index.js';
import { expandRangeTemplate, parseRangeTemplate } from '../util/range-template.js';

export interface OutputTemplate {
  /** How many names there are (Infinity for the printf form). */
  readonly count: number;
  names(): Generator<string>;
}

/** Parses a template; undefined when it holds no range at all (a plain name or prefix). */
export function parseOutputTemplate(template: string): OutputTemplate | undefined {
  let parsed;
  try {
    parsed = parseRangeTemplate(template);
  } catch (error) {
    throw badRequest(`[dsort] parse-spec: ${(error as Error).message}`);
  }
  if (parsed === undefined) return undefined;
  const range = parsed;
  // The printf form counts up to the largest safe integer: no end, for the shard size to bound.
  const endless = range.count >= Number.MAX_SAFE_INTEGER;
  return { count: endless ? Infinity : range.count, names: () => expandRangeTemplate(range) };
}
