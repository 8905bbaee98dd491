// The names of output shards (AIStore's ParsedTemplate as dSort takes it): a bash range
// (`out-{0000..9999}.tar`, via the shared brace-template parser), AIStore's "at" form
// (`out-@00999.tar`: 0 through 999, as wide as the digits written) or a printf form
// (`out-%06d.tar`: 0, 1, 2, ... without end, so the shard size must bound the count).
import { expandBraceTemplate, parseBraceTemplate } from '../util/brace-template.js';

export interface OutputTemplate {
  /** How many names there are (Infinity for the printf form). */
  readonly count: number;
  names(): Generator<string>;
}

const atPattern = /@(\d+)/g;
const printfPattern = /%(0?)(\d*)d/;

/** Parses a template; undefined when it holds no range at all (a plain name or prefix). */
export function parseOutputTemplate(template: string): OutputTemplate | undefined {
  const brace = parseBraceTemplate(template);
  if (brace !== undefined) return { count: brace.count, names: () => expandBraceTemplate(brace) };
  if (template.includes('@')) return atTemplate(template);
  const printf = printfPattern.exec(template);
  if (printf !== null) {
    const [whole, zero = '', widthText = ''] = printf;
    const width = widthText === '' ? 0 : Number(widthText);
    const before = template.slice(0, printf.index);
    const after = template.slice(printf.index + whole.length);
    return {
      count: Infinity,
      *names() {
        for (let index = 0; ; index += 1)
          yield `${before}${String(index).padStart(width, zero === '0' ? '0' : ' ')}${after}`;
      },
    };
  }
  return undefined;
}

function atTemplate(template: string): OutputTemplate | undefined {
  const parts: string[] = [];
  const ranges: Array<{ end: number; width: number }> = [];
  let last = 0;
  for (const match of template.matchAll(atPattern)) {
    const digits = match[1] ?? '';
    ranges.push({ end: Number(digits), width: digits.length });
    parts.push(template.slice(last, match.index));
    last = match.index + match[0].length;
  }
  if (ranges.length === 0) return undefined;
  parts.push(template.slice(last));
  // The same shape as a bash template whose ranges start at 0.
  const asBrace = parts
    .map((part, index) => {
      const range = ranges[index];
      if (range === undefined) return part;
      return `${part}{${'0'.padStart(range.width, '0')}..${String(range.end).padStart(range.width, '0')}}`;
    })
    .join('');
  return parseOutputTemplate(asBrace);
}
