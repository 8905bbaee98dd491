// Range templates as AIStore takes them (`cmn/cos/template.go`): the bash form
// `shard-{0000..4999}.tar` (several ranges, `{a..b..step}`, padded to min(len(a), len(b))), the at
// form `shard-@04999.tar` (0..4999, padded to the digits written) and the fmt form `shard-%06d.tar`
// (0 upwards without end: it names outputs, and is too large to select with). Parsed once, expanded
// lazily with the last range innermost.

interface Range {
  start: number;
  end: number;
  step: number;
  width: number;
}

export interface RangeTemplate {
  /** Literal text around the ranges: `parts.length === ranges.length + 1`. */
  readonly parts: readonly string[];
  readonly ranges: readonly Range[];
  /** How many names the template expands to. */
  readonly count: number;
}

const bashRange = /\{([^{}]*)\}/g;
const atRange = /@(\d*)/g;
const fmtRange = /^([^%]*)%(0\d+)?d(.*)$/;

/**
 * Parses a template; undefined when it holds no range (then it is a plain prefix). A malformed
 * range is a RangeError with AIStore's wording.
 */
export function parseRangeTemplate(template: string): RangeTemplate | undefined {
  if (template.includes('{') && template.includes('}')) return parseBash(template);
  if (template.includes('@')) return parseAt(template);
  if (template.split('%').length === 2) return parseFmt(template);
  return undefined;
}

function parseBash(template: string): RangeTemplate {
  const invalid = `invalid 'bash' template "${template}" (expecting e.g. 'prefix-{0001..0010..1}-suffix')`;
  const ranges: Range[] = [];
  const parts: string[] = [];
  let last = 0;
  for (const match of template.matchAll(bashRange)) {
    const numbers = (match[1] ?? '').split('..');
    if (numbers.length < 2 || numbers.length > 3 || !numbers.every((n) => /^\d+$/.test(n)))
      throw new RangeError(invalid);
    const [first = '', second = '', step = '1'] = numbers;
    ranges.push(
      checked('bash', template, {
        start: Number(first),
        end: Number(second),
        step: Number(step),
        width: Math.min(first.length, second.length),
      }),
    );
    parts.push(template.slice(last, match.index));
    last = match.index + match[0].length;
  }
  if (ranges.length === 0) throw new RangeError(invalid);
  parts.push(template.slice(last));
  return withCount(parts, ranges);
}

function parseAt(template: string): RangeTemplate {
  const ranges: Range[] = [];
  const parts: string[] = [];
  let last = 0;
  for (const match of template.matchAll(atRange)) {
    const digits = match[1] ?? '';
    if (digits === '')
      throw new RangeError(
        `invalid 'at' template "${template}" (expecting e.g. 'prefix-@00100-suffix')`,
      );
    ranges.push(
      checked('at', template, { start: 0, end: Number(digits), step: 1, width: digits.length }),
    );
    parts.push(template.slice(last, match.index));
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return withCount(parts, ranges);
}

function parseFmt(template: string): RangeTemplate {
  const match = fmtRange.exec(template);
  if (match === null)
    throw new RangeError(
      `invalid 'fmt' template "${template}" (expecting e.g. 'prefix-%06d-suffix')`,
    );
  const width = match[2] === undefined ? 0 : Number(match[2].slice(1));
  const range = { start: 0, end: Number.MAX_SAFE_INTEGER - 1, step: 1, width };
  return withCount([match[1] ?? '', match[3] ?? ''], [range]);
}

function checked(form: string, template: string, range: Range): Range {
  if (!Number.isSafeInteger(range.end))
    throw new RangeError(`invalid '${form}' template "${template}": 'end' is too large`);
  if (range.start > range.end)
    throw new RangeError(
      `invalid '${form}' template "${template}": 'start' cannot be greater than 'end'`,
    );
  if (range.step <= 0)
    throw new RangeError(`invalid '${form}' template "${template}": 'step' is non-positive`);
  return range;
}

function withCount(parts: string[], ranges: Range[]): RangeTemplate {
  const count = ranges.reduce(
    (total, range) => total * (Math.floor((range.end - range.start) / range.step) + 1),
    1,
  );
  return { parts, ranges, count };
}

/** Yields every name of the template, first range outermost. */
export function* expandRangeTemplate(template: RangeTemplate): Generator<string> {
  const values = template.ranges.map((range) => range.start);
  for (let produced = 0; produced < template.count; produced += 1) {
    let name = template.parts[0] ?? '';
    template.ranges.forEach((range, index) => {
      name += String(values[index]).padStart(range.width, '0') + (template.parts[index + 1] ?? '');
    });
    yield name;
    for (let index = template.ranges.length - 1; index >= 0; index -= 1) {
      const range = template.ranges[index] as Range;
      const next = (values[index] ?? range.start) + range.step;
      if (next <= range.end) {
        values[index] = next;
        break;
      }
      values[index] = range.start;
    }
  }
}
