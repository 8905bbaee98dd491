// Policy variables (`${aws:username}`, `${s3:prefix}`, ...) in Resource patterns and condition
// values, replaced by the request's value of the key when the policy's Version is 2012-10-17, as
// IAM does. `${*}`, `${?}` and `${$}` stand for the characters themselves. The replacement is
// literal: a `*` in a user name is no wildcard. A key without one value makes the pattern match
// nothing.

/** The values a request has for a key (lower case), undefined when it has none. */
export type ConditionValues = (key: string) => readonly string[] | undefined;

/** A pattern with its variables replaced, and which positions came from them (literal). */
export interface ExpandedPattern {
  readonly text: string;
  readonly literal: ReadonlySet<number>;
}

const variablePattern = /\$\{([^}]*)\}/g;
const escapes: ReadonlySet<string> = new Set(['*', '?', '$']);

/** `pattern` with its variables replaced; undefined when the request lacks a value for one. */
export function expandVariables(
  pattern: string,
  valuesOf: ConditionValues,
): ExpandedPattern | undefined {
  if (!pattern.includes('${')) return { text: pattern, literal: new Set() };
  let text = '';
  const literal = new Set<number>();
  let last = 0;
  for (const match of pattern.matchAll(variablePattern)) {
    text += pattern.slice(last, match.index);
    const name = (match[1] ?? '').trim();
    const values = escapes.has(name) ? [name] : valuesOf(name.toLowerCase());
    const [value] = values ?? [];
    if (values?.length !== 1 || value === undefined) return undefined;
    for (let index = 0; index < value.length; index += 1) literal.add(text.length + index);
    text += value;
    last = match.index + match[0].length;
  }
  return { text: text + pattern.slice(last), literal };
}
