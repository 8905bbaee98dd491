// The `lifecycle` bucket property: an update replaces the rules whole (S3's PUT of a lifecycle
// configuration does), after a check of their shape, so that what every node loads is well formed
// whichever API set it. The S3 API checks the rest of AWS's rules before it gets here.
import type { LifecycleFilterJson, LifecycleJson, LifecycleRuleJson } from '../../wire/index.js';
import { StoreError } from '../../errors/index.js';

function invalidProps(message: string): StoreError {
  return new StoreError('InvalidBucketProps', `invalid bucket properties: ${message}`);
}

/** AWS's limit of rules per bucket. */
export const maxLifecycleRules = 1000;

function record(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidProps(`"${name}" must be an object`);
  return value as Record<string, unknown>;
}

function count(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalidProps(`"${name}" must be an integer >= 0`);
  return value;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidProps(`"${name}" must be a string`);
  return value;
}

function flag(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidProps(`"${name}" must be a boolean`);
  return value;
}

function parseFilter(value: unknown, name: string): LifecycleFilterJson {
  const filter = record(value, name);
  const tags = record(filter.tags, `${name}.tags`);
  for (const [key, tag] of Object.entries(tags)) text(tag, `${name}.tags.${key}`);
  return {
    prefix: text(filter.prefix, `${name}.prefix`),
    tags: { ...(tags as Record<string, string>) },
    size_greater_than: count(filter.size_greater_than, `${name}.size_greater_than`),
    size_less_than: count(filter.size_less_than, `${name}.size_less_than`),
  };
}

function parseRule(value: unknown, index: number): LifecycleRuleJson {
  const name = `lifecycle.rules[${index}]`;
  const rule = record(value, name);
  const date = text(rule.expiration_date, `${name}.expiration_date`);
  if (date !== '' && Number.isNaN(Date.parse(date)))
    throw invalidProps(`"${name}.expiration_date" must be an ISO 8601 date`);
  return {
    id: text(rule.id, `${name}.id`),
    enabled: flag(rule.enabled, `${name}.enabled`),
    filter: parseFilter(rule.filter, `${name}.filter`),
    expiration_days: count(rule.expiration_days, `${name}.expiration_days`),
    expiration_date: date,
    expired_object_delete_marker: flag(
      rule.expired_object_delete_marker,
      `${name}.expired_object_delete_marker`,
    ),
    noncurrent_days: count(rule.noncurrent_days, `${name}.noncurrent_days`),
    newer_noncurrent_versions: count(
      rule.newer_noncurrent_versions,
      `${name}.newer_noncurrent_versions`,
    ),
    abort_incomplete_upload_days: count(
      rule.abort_incomplete_upload_days,
      `${name}.abort_incomplete_upload_days`,
    ),
  };
}

/** The new `lifecycle` of a bucket from an update: every field given, IDs unique. */
export function parseLifecycleUpdate(update: unknown): LifecycleJson {
  const rules = record(update, 'lifecycle').rules;
  if (!Array.isArray(rules)) throw invalidProps('"lifecycle.rules" must be an array');
  if (rules.length > maxLifecycleRules)
    throw invalidProps(`"lifecycle.rules" holds at most ${maxLifecycleRules} rules`);
  const parsed = rules.map(parseRule);
  const ids = new Set(parsed.map((rule) => rule.id));
  if (ids.size !== parsed.length) throw invalidProps('lifecycle rule IDs must be unique');
  return { rules: parsed };
}
