// The policy document of a browser form upload (S3 POST Object): base64 JSON with an `expiration`
// and `conditions` (`{"field": "value"}`, `["eq"|"starts-with", "$field", "value"]`,
// `["content-length-range", min, max]`), parsed, then checked against the form's fields.
import { StoreError } from '../../../errors/index.js';

/** A condition on one form field (names in lower case, without the `$`). */
export interface FieldCondition {
  readonly kind: 'eq' | 'starts-with';
  readonly field: string;
  readonly value: string;
  /** The condition as the policy wrote it, for the refusal's message. */
  readonly text: string;
}

/** Smallest and largest file size the policy allows, in bytes (both inclusive). */
export interface LengthRange {
  readonly minBytes: number;
  readonly maxBytes: number;
}

export interface PostPolicy {
  readonly expirationMs: number;
  readonly conditions: readonly FieldCondition[];
  /** Absent when the policy has no `content-length-range`. */
  readonly length?: LengthRange;
}

/** Fields a policy need not name (S3's list): the signature, the file, the policy itself. */
function exemptFromPolicy(field: string): boolean {
  return (
    field === 'x-amz-signature' ||
    field === 'file' ||
    field === 'policy' ||
    field.startsWith('x-ignore-')
  );
}

function invalidPolicy(detail: string): StoreError {
  return new StoreError('InvalidPolicyDocument', `Invalid Policy: ${detail}`);
}

function refused(detail: string): StoreError {
  return new StoreError('AccessDenied', `Invalid according to Policy: ${detail}`);
}

/** Decodes and validates the `policy` field. */
export function parsePostPolicy(base64: string): PostPolicy {
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw invalidPolicy('Invalid Base64 encoding.');
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(compact, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw invalidPolicy('Invalid JSON.');
  const { expiration, conditions } = document as Record<string, unknown>;
  if (expiration === undefined) throw invalidPolicy('Policy missing expiration.');
  const expirationMs = typeof expiration === 'string' ? Date.parse(expiration) : Number.NaN;
  if (Number.isNaN(expirationMs))
    throw invalidPolicy(`Invalid 'expiration' value: ${JSON.stringify(expiration)}`);
  if (conditions === undefined) throw invalidPolicy('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalidPolicy('Invalid JSON: conditions must be a list.');
  const fieldConditions: FieldCondition[] = [];
  let length: LengthRange | undefined;
  for (const condition of conditions as unknown[]) {
    if (Array.isArray(condition)) {
      const operation = String(condition[0]).toLowerCase();
      if (operation === 'content-length-range') {
        length = parseLengthRange(condition);
        continue;
      }
      fieldConditions.push(parseListCondition(condition, operation));
    } else if (typeof condition === 'object' && condition !== null) {
      const entries = Object.entries(condition as Record<string, unknown>);
      const [entry] = entries;
      if (entries.length !== 1 || entry === undefined)
        throw invalidPolicy('Invalid Simple-Condition: must hold exactly one field.');
      const [name, value] = entry;
      if (typeof value !== 'string')
        throw invalidPolicy('Invalid Simple-Condition: value must be a string.');
      fieldConditions.push({
        kind: 'eq',
        field: name.toLowerCase(),
        value,
        text: JSON.stringify(condition),
      });
    } else {
      throw invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
    }
  }
  return { expirationMs, conditions: fieldConditions, ...(length === undefined ? {} : { length }) };
}

function parseListCondition(condition: unknown[], operation: string): FieldCondition {
  const text = `[${condition.map((item) => JSON.stringify(item)).join(', ')}]`;
  if (operation !== 'eq' && operation !== 'starts-with')
    throw invalidPolicy(`Invalid Condition: unknown operation "${String(condition[0])}"`);
  const [, name, value] = condition;
  if (condition.length !== 3 || typeof name !== 'string' || typeof value !== 'string')
    throw invalidPolicy(`Invalid ${operation} condition: ${text}`);
  if (!name.startsWith('$'))
    throw invalidPolicy(`Invalid ${operation} condition: the field must start with '$': ${text}`);
  return { kind: operation, field: name.slice(1).toLowerCase(), value, text };
}

function parseLengthRange(condition: unknown[]): LengthRange {
  const bound = (value: unknown): number => {
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0)
      throw invalidPolicy(`Invalid content-length-range condition: ${JSON.stringify(condition)}`);
    return number;
  };
  if (condition.length !== 3)
    throw invalidPolicy(`Invalid content-length-range condition: ${JSON.stringify(condition)}`);
  const minBytes = bound(condition[1]);
  const maxBytes = bound(condition[2]);
  if (minBytes > maxBytes)
    throw invalidPolicy(`Invalid content-length-range condition: ${JSON.stringify(condition)}`);
  return { minBytes, maxBytes };
}

/** What the conditions are checked against: the form's fields and the bucket of the request. */
export interface PostedForm {
  /** Fields before the file, names in lower case. */
  readonly fields: ReadonlyMap<string, string>;
  readonly bucket: string;
}

/**
 * Throws AccessDenied (S3's "Invalid according to Policy" messages) when the policy has expired,
 * a condition does not hold, or a field is named by no condition.
 */
export function checkPostPolicy(policy: PostPolicy, form: PostedForm, nowMs: number): void {
  if (policy.expirationMs <= nowMs) throw refused('Policy expired.');
  for (const condition of policy.conditions) {
    const value =
      condition.field === 'bucket' ? form.bucket : (form.fields.get(condition.field) ?? '');
    if (!holds(condition, value)) throw refused(`Policy Condition failed: ${condition.text}`);
  }
  const named = new Set(policy.conditions.map((condition) => condition.field));
  const extra = [...form.fields.keys()].filter(
    (field) => !exemptFromPolicy(field) && !named.has(field),
  );
  if (extra.length > 0) throw refused(`Extra input fields: ${extra.join(', ')}`);
}

function holds(condition: FieldCondition, value: string): boolean {
  if (condition.kind === 'eq') return value === condition.value;
  // A Content-Type may list several types: each must start so (S3 does the same).
  if (condition.field === 'content-type')
    return value.split(',').every((part) => part.trim().startsWith(condition.value));
  return value.startsWith(condition.value);
}
