// Range templates as AIStore takes them (`shard-{000..999}.tar`, `a-{0..10..2}-{1..3}`): parsed once,
// expanded lazily in lexical order of the ranges, zero-padded to the width of the written bounds.

interface Range {
  start: number;
  end: number;
  step: number;
  width: number;
}

export interface BraceTemplate {
  /** Literal text around the ranges: `parts.length === ranges.length + 1`. */
  readonly parts: readonly string[];
  readonly ranges: readonly Range[];
  /** How many names the template expands to. */
  readonly count: number;
}

const rangePattern = /\{(\d+)\.\.(\d+)(?:\.\.(\d+))?\}/g;

/** Parses a template; undefined when it holds no `{a..b}` range (then it is a plain prefix). */
export function parseBraceTemplate(template: string): BraceTemplate | undefined {
  const parts: string[] = [];
  const ranges: Range[] = [];
  let last = 0;
  for (const match of template.matchAll(rangePattern)) {
    const [whole, first = '', second = '', stepText] = match;
    const start = Number(first);
    const end = Number(second);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step <= 0 || end < start)
      throw new RangeError(`invalid range "${whole}" in template "${template}"`);
    const padded = first.length > 1 && first.startsWith('0');
    ranges.push({ start, end, step, width: padded ? Math.max(first.length, second.length) : 0 });
    parts.push(template.slice(last, match.index));
    last = match.index + whole.length;
  }
  if (ranges.length === 0) return undefined;
  parts.push(template.slice(last));
  const count = ranges.reduce(
    (total, range) => total * (Math.floor((range.end - range.start) / range.step) + 1),
    1,
  );
  return { parts, ranges, count };
}

/** Yields every name of the template, first range outermost. */
export function* expandBraceTemplate(template: BraceTemplate): Generator<string> {
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
