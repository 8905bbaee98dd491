// What a bucket's S3 lifecycle rules say of one object version: whether a rule applies to it and
// when it expires. Pure: the target's lifecycle job and its GET/HEAD/PUT headers (x-amz-expiration)
// ask the same questions with the time of the target's clock.
import type { BucketPropsJson, LifecycleRuleJson } from '../../wire/index.js';

const dayMs = 24 * 60 * 60 * 1000;

/** What a rule's filter looks at. Delete markers have no size and no tags. */
export interface LifecycleSubject {
  key: string;
  size: number;
  tags: Record<string, string>;
}

/** When a rule makes something expire, and which rule. */
export interface LifecycleExpiry {
  atMs: number;
  ruleId: string;
}

/** The enabled rules of a bucket (none when it has no lifecycle configuration). */
export function activeLifecycleRules(props: BucketPropsJson): LifecycleRuleJson[] {
  return (props.lifecycle?.rules ?? []).filter((rule) => rule.enabled);
}

/**
 * S3's day arithmetic: `days` after `fromMs`, rounded up to the next midnight UTC (an object written
 * at 10:30 on the 15th with Days 3 expires at 00:00 on the 19th).
 */
export function afterDays(fromMs: number, days: number): number {
  return (Math.floor(fromMs / dayMs) + days + 1) * dayMs;
}

/** Whether the rule's filter holds for the subject: prefix, every tag, and the size bounds. */
export function ruleApplies(rule: LifecycleRuleJson, subject: LifecycleSubject): boolean {
  const { filter } = rule;
  if (!subject.key.startsWith(filter.prefix)) return false;
  for (const [key, value] of Object.entries(filter.tags))
    if (subject.tags[key] !== value) return false;
  if (filter.size_greater_than > 0 && subject.size <= filter.size_greater_than) return false;
  if (filter.size_less_than > 0 && subject.size >= filter.size_less_than) return false;
  return true;
}

/** Whether the rule's filter holds for a delete marker (only a prefix can: it has no size or tags). */
export function ruleAppliesToMarker(rule: LifecycleRuleJson, key: string): boolean {
  const { filter } = rule;
  return (
    key.startsWith(filter.prefix) &&
    Object.keys(filter.tags).length === 0 &&
    filter.size_greater_than === 0 &&
    filter.size_less_than === 0
  );
}

/** The earliest expiry the rules give a current version written at `modifiedMs`. */
export function currentVersionExpiry(
  rules: readonly LifecycleRuleJson[],
  subject: LifecycleSubject,
  modifiedMs: number,
): LifecycleExpiry | undefined {
  let earliest: LifecycleExpiry | undefined;
  for (const rule of rules) {
    if (!ruleApplies(rule, subject)) continue;
    let atMs: number | undefined;
    if (rule.expiration_days > 0) atMs = afterDays(modifiedMs, rule.expiration_days);
    else if (rule.expiration_date !== '') atMs = Date.parse(rule.expiration_date);
    if (atMs !== undefined && (earliest === undefined || atMs < earliest.atMs))
      earliest = { atMs, ruleId: rule.id };
  }
  return earliest;
}

/**
 * Whether a noncurrent version expires: `newerNoncurrent` noncurrent versions of its key are newer
 * than it, and it stopped being current at `noncurrentSinceMs` (when its successor was written).
 */
export function noncurrentExpires(
  rules: readonly LifecycleRuleJson[],
  version: { subject: LifecycleSubject; deleteMarker: boolean },
  position: { newerNoncurrent: number; noncurrentSinceMs: number; nowMs: number },
): string | undefined {
  for (const rule of rules) {
    if (rule.noncurrent_days === 0) continue;
    const applies = version.deleteMarker
      ? ruleAppliesToMarker(rule, version.subject.key)
      : ruleApplies(rule, version.subject);
    if (!applies) continue;
    if (position.newerNoncurrent < rule.newer_noncurrent_versions) continue;
    if (position.nowMs >= afterDays(position.noncurrentSinceMs, rule.noncurrent_days))
      return rule.id;
  }
  return undefined;
}

/** The rule that removes a delete marker left alone (`ExpiredObjectDeleteMarker`), if any. */
export function loneMarkerRule(
  rules: readonly LifecycleRuleJson[],
  key: string,
): string | undefined {
  return rules.find((rule) => rule.expired_object_delete_marker && ruleAppliesToMarker(rule, key))
    ?.id;
}

/** The rule that aborts an upload created at `createdMs`, by `nowMs`, if any. */
export function uploadAbortRule(
  rules: readonly LifecycleRuleJson[],
  key: string,
  createdMs: number,
  nowMs: number,
): string | undefined {
  return rules.find(
    (rule) =>
      rule.abort_incomplete_upload_days > 0 &&
      key.startsWith(rule.filter.prefix) &&
      nowMs >= afterDays(createdMs, rule.abort_incomplete_upload_days),
  )?.id;
}
