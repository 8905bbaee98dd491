// Condition blocks of policy statements: the operators (String*, Numeric*, Date*, Bool, IpAddress,
// Null, Arn*), their `...IfExists` forms and the ForAnyValue/ForAllValues set qualifiers, checked
// at parse time and evaluated against the values a request has for each condition key.
import { BlockList, isIP } from 'node:net';
import { malformedPolicy, stringList, wildcardMatch } from './policy-text.js';
import { expandVariables, type ConditionValues } from './policy-variables.js';

/** `literal`: positions of `expected` that a policy variable filled (see policy-variables.ts). */
type Compare = (actual: string, expected: string, literal?: ReadonlySet<number>) => boolean;

interface OperatorSpec {
  readonly compare: Compare;
  /** Negated operators: true when no value matches (and when the key is absent). */
  readonly negated: boolean;
  /** Checks a value written in the policy; throws MalformedPolicy. */
  readonly check?: (value: string) => void;
}

export interface PolicyCondition {
  readonly operator: string;
  readonly spec: OperatorSpec;
  /** Condition key, lower case (`aws:sourceip`, `s3:prefix`). */
  readonly key: string;
  readonly values: readonly string[];
  readonly ifExists: boolean;
  readonly set: '' | 'ForAnyValue' | 'ForAllValues';
}

export type { ConditionValues };

const number = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));
const date = (text: string): number =>
  /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
const numeric =
  (test: (a: number, b: number) => boolean): Compare =>
  (actual, expected) => {
    const a = number(actual);
    const b = number(expected);
    return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
  };
const dated =
  (test: (a: number, b: number) => boolean): Compare =>
  (actual, expected) => {
    const a = date(actual);
    const b = date(expected);
    return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
  };
const checkNumber = (value: string): void => {
  if (Number.isNaN(number(value))) throw malformedPolicy(`Invalid numeric value "${value}"`);
};
const checkDate = (value: string): void => {
  if (Number.isNaN(date(value))) throw malformedPolicy(`Invalid date value "${value}"`);
};

/** Address blocks parsed once per distinct policy value. */
const blocks = new Map<string, BlockList>();
function blockOf(cidr: string): BlockList {
  let list = blocks.get(cidr);
  if (list === undefined) {
    const [address = '', bits] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list = new BlockList();
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
    if (blocks.size > 1000) blocks.clear();
    blocks.set(cidr, list);
  }
  return list;
}
const checkCidr = (value: string): void => {
  const [address = '', bits] = value.split('/');
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  if (family === 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max)))
    throw malformedPolicy(`Invalid IP address or CIDR "${value}"`);
};
const inCidr: Compare = (actual, cidr) => {
  const plain = actual.startsWith('::ffff:') ? actual.slice(7) : actual;
  const family = isIP(plain);
  if (family === 0) return false;
  return blockOf(cidr).check(plain, family === 6 ? 'ipv6' : 'ipv4');
};
const checkBool = (value: string): void => {
  if (!/^(true|false)$/i.test(value)) throw malformedPolicy(`Invalid boolean value "${value}"`);
};

const positive = (compare: Compare, check?: (value: string) => void): OperatorSpec => ({
  compare,
  negated: false,
  ...(check === undefined ? {} : { check }),
});
const negative = (compare: Compare, check?: (value: string) => void): OperatorSpec => ({
  compare,
  negated: true,
  ...(check === undefined ? {} : { check }),
});

const stringEquals: Compare = (a, b) => a === b;
const stringEqualsIgnoreCase: Compare = (a, b) => a.toLowerCase() === b.toLowerCase();
const stringLike: Compare = (a, b, literal) => wildcardMatch(b, a, false, literal);

const operators: Readonly<Record<string, OperatorSpec>> = {
  StringEquals: positive(stringEquals),
  StringNotEquals: negative(stringEquals),
  StringEqualsIgnoreCase: positive(stringEqualsIgnoreCase),
  StringNotEqualsIgnoreCase: negative(stringEqualsIgnoreCase),
  StringLike: positive(stringLike),
  StringNotLike: negative(stringLike),
  ArnEquals: positive(stringEquals),
  ArnNotEquals: negative(stringEquals),
  ArnLike: positive(stringLike),
  ArnNotLike: negative(stringLike),
  NumericEquals: positive(
    numeric((a, b) => a === b),
    checkNumber,
  ),
  NumericNotEquals: negative(
    numeric((a, b) => a === b),
    checkNumber,
  ),
  NumericLessThan: positive(
    numeric((a, b) => a < b),
    checkNumber,
  ),
  NumericLessThanEquals: positive(
    numeric((a, b) => a <= b),
    checkNumber,
  ),
  NumericGreaterThan: positive(
    numeric((a, b) => a > b),
    checkNumber,
  ),
  NumericGreaterThanEquals: positive(
    numeric((a, b) => a >= b),
    checkNumber,
  ),
  DateEquals: positive(
    dated((a, b) => a === b),
    checkDate,
  ),
  DateNotEquals: negative(
    dated((a, b) => a === b),
    checkDate,
  ),
  DateLessThan: positive(
    dated((a, b) => a < b),
    checkDate,
  ),
  DateLessThanEquals: positive(
    dated((a, b) => a <= b),
    checkDate,
  ),
  DateGreaterThan: positive(
    dated((a, b) => a > b),
    checkDate,
  ),
  DateGreaterThanEquals: positive(
    dated((a, b) => a >= b),
    checkDate,
  ),
  Bool: positive(stringEqualsIgnoreCase, checkBool),
  IpAddress: positive(inCidr, checkCidr),
  NotIpAddress: negative(inCidr, checkCidr),
  // Null is evaluated on presence alone (see conditionHolds).
  Null: positive(stringEquals, checkBool),
};

/** `{"Operator": {"key": value-or-values, ...}, ...}` */
export function parseConditionBlock(block: unknown): PolicyCondition[] {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) {
    throw malformedPolicy('Condition must be an object');
  }
  const conditions: PolicyCondition[] = [];
  for (const [written, keys] of Object.entries(block as Record<string, unknown>)) {
    const [qualifier, name = ''] = written.includes(':') ? written.split(':', 2) : ['', written];
    if (qualifier !== '' && qualifier !== 'ForAnyValue' && qualifier !== 'ForAllValues')
      throw malformedPolicy(`Invalid Condition type : ${written}`);
    const ifExists = name.endsWith('IfExists') && name !== 'Null';
    const operator = ifExists ? name.slice(0, -'IfExists'.length) : name;
    const spec = operators[operator];
    if (spec === undefined || (ifExists && operator === 'Null'))
      throw malformedPolicy(`Invalid Condition type : ${written}`);
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys))
      throw malformedPolicy(`Condition ${written} must map keys to values`);
    for (const [key, raw] of Object.entries(keys as Record<string, unknown>)) {
      if (!/^(aws|s3):[A-Za-z0-9_./-]+$/.test(key))
        throw malformedPolicy(`Policy has an invalid condition key: ${key}`);
      const values = stringList(
        typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw,
        key,
      ).map(String);
      for (const value of values) spec.check?.(value);
      conditions.push({
        operator,
        spec,
        key: key.toLowerCase(),
        values,
        ifExists,
        set: qualifier,
      });
    }
  }
  return conditions;
}

/**
 * Whether one condition holds for the request's values; with `variables` (a 2012-10-17 policy)
 * its values' policy variables are replaced first (a value whose variable has no value matches
 * nothing).
 */
export function conditionHolds(
  condition: PolicyCondition,
  valuesOf: ConditionValues,
  variables = false,
): boolean {
  const actual = valuesOf(condition.key);
  if (condition.operator === 'Null') {
    const wantsAbsent = condition.values.some((value) => value.toLowerCase() === 'true');
    return wantsAbsent === (actual === undefined || actual.length === 0);
  }
  if (actual === undefined || actual.length === 0) {
    // Absent keys: no match, except for IfExists, negated operators and ForAllValues (vacuous).
    return condition.ifExists || condition.spec.negated || condition.set === 'ForAllValues';
  }
  const matches = (value: string): boolean =>
    condition.values.some((expected) => {
      if (!variables) return condition.spec.compare(value, expected);
      const expanded = expandVariables(expected, valuesOf);
      return (
        expanded !== undefined && condition.spec.compare(value, expanded.text, expanded.literal)
      );
    });
  const holdsFor = (value: string): boolean =>
    condition.spec.negated ? !matches(value) : matches(value);
  if (condition.set === 'ForAllValues') return actual.every(holdsFor);
  if (condition.set === 'ForAnyValue') return actual.some(holdsFor);
  return holdsFor(actual[0] ?? '');
}
