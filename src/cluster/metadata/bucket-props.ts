// Bucket properties: defaults for new buckets, and validated nested updates (`set-bprops`).
import { isDeepStrictEqual } from 'node:util';
import { isChecksumType } from '../../checksum/index.js';
import {
  kmsKeyIdPattern,
  rateLimitProblem,
  rateLimitSchema,
  type RateLimitValues,
} from '../../config/index.js';
import { StoreError } from '../../errors/index.js';
import { parseGoDuration } from '../../config/index.js';
import { nowNanoseconds } from '../../util/time.js';
import { parseLifecycleUpdate } from './lifecycle-props.js';
import {
  accessAll,
  awsExtraPropsKeys,
  httpExtraPropsKeys,
  type ExtraPropsJson,
  type BucketPropsJson,
  type BucketPropsUpdateJson,
  type ChecksumTypeName,
  type ObjectLockPropsJson,
  type SsePropsJson,
  objectLockModes,
  versionHistoryNames,
} from '../../wire/index.js';

/** Properties of a new bucket: AIStore's defaults, with the cluster's checksum type and limits. */
export function defaultBucketProps(
  provider: string,
  checksumType: ChecksumTypeName,
  bucketId: bigint,
  rateLimit: RateLimitValues = rateLimitSchema.parse({}),
): BucketPropsJson {
  return {
    provider,
    checksum: {
      type: checksumType,
      validate_cold_get: false,
      validate_warm_get: true,
      validate_obj_move: false,
      enable_read_range: false,
    },
    versioning: { enabled: true, validate_warm_get: false, synchronize: false, history: 'none' },
    mirror: { enabled: false, copies: 1, burst_buffer: 128 },
    ec: {
      enabled: false,
      data_slices: 2,
      parity_slices: 2,
      objsize_limit: 262144,
      compression: 'never',
      bundle_multiplier: 2,
      disk_only: false,
    },
    lru: { enabled: true, dont_evict_time: '2h0m', capacity_upd_time: '10m' },
    write_policy: { data: 'immediate', md: 'immediate' },
    rate_limit: structuredClone(rateLimit),
    access: accessAll,
    bid: String(bucketId),
    created: String(nowNanoseconds()),
  };
}

// Kept by the cluster, accepted only unchanged (props read and written back whole). `renamed_from`
// too: a returning target renames the directories of a destroyed bucket it names into this one.
const readOnlyKeys = new Set(['provider', 'bid', 'created', 'renamed_from']);

/** Largest data and parity slice counts the Reed-Solomon codec supports (AIStore allows 32). */
export const maxDataSlices = 24;
export const maxParitySlices = 6;

/**
 * Merges a nested partial update into props, refusing unknown keys, wrong types and values the
 * store cannot honour. Returns new props; `current` is not modified.
 */
export function applyBucketPropsUpdate(
  current: BucketPropsJson,
  update: BucketPropsUpdateJson,
): BucketPropsJson {
  const next = structuredClone(current) as unknown as Record<string, unknown>;
  // Buckets created before `versioning.history` existed keep no history; those created before
  // rate limits get the (disabled) defaults once their props change.
  (next as unknown as BucketPropsJson).versioning.history ??= 'none';
  next.rate_limit ??= rateLimitSchema.parse({});
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    if (readOnlyKeys.has(key)) {
      if (value !== undefined && !isDeepStrictEqual(value, next[key]))
        throw invalidProps(`"${key}" cannot be changed`);
      continue;
    }
    if (key === 'extra') {
      next[key] = mergeExtra(next[key], value);
      continue;
    }
    if (key === 'object_lock') {
      next[key] = mergeObjectLock(current.object_lock, value);
      continue;
    }
    if (key === 'lifecycle') {
      next[key] = parseLifecycleUpdate(value);
      continue;
    }
    if (key === 'sse') {
      next[key] = parseSseUpdate(value);
      continue;
    }
    if (key === 's3_access') {
      // Validated by the S3 API, which sends it whole (read, changed, written back).
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw invalidProps('"s3_access" must be an object');
      next[key] = value;
      continue;
    }
    if (key === 's3_tags') {
      // Validated by the S3 API (its tag limits), replaced whole.
      const valid =
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((text) => typeof text === 'string');
      if (!valid) throw invalidProps('"s3_tags" must be an object of strings');
      next[key] = value;
      continue;
    }
    if (!(key in next)) throw invalidProps(`unknown property "${key}"`);
    const section = next[key];
    if (typeof section === 'object' && section !== null) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw invalidProps(`"${key}" must be an object`);
      }
      mergeSection(key, section as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      next[key] = coerceLike(key, value, section);
    }
  }
  const props = next as unknown as BucketPropsJson;
  validateBucketProps(props);
  if ((current.versioning.history ?? 'none') !== 'none' && props.versioning.history === 'none') {
    throw invalidProps('versioning.history cannot return to "none" once enabled (use "suspended")');
  }
  if (props.object_lock?.enabled === true && props.versioning.history !== 'enabled') {
    throw invalidProps('versioning.history must stay "enabled" while object_lock.enabled is true');
  }
  return props;
}

/** `object_lock`: merged into what the bucket has; once enabled, it stays enabled. */
function mergeObjectLock(
  current: ObjectLockPropsJson | undefined,
  update: unknown,
): ObjectLockPropsJson {
  const lock: ObjectLockPropsJson = { enabled: false, mode: '', days: 0, years: 0, ...current };
  if (typeof update !== 'object' || update === null || Array.isArray(update))
    throw invalidProps('"object_lock" must be an object');
  mergeSection(
    'object_lock',
    lock as unknown as Record<string, unknown>,
    update as Record<string, unknown>,
  );
  if (current?.enabled === true && !lock.enabled)
    throw invalidProps('object_lock.enabled cannot be turned off once enabled');
  const periods = [lock.days, lock.years];
  if (periods.some((value) => !Number.isSafeInteger(value) || value < 0))
    throw invalidProps('object_lock.days and object_lock.years must be integers >= 0');
  if (lock.mode === '') {
    if (lock.days !== 0 || lock.years !== 0)
      throw invalidProps('object_lock.days and object_lock.years need object_lock.mode');
  } else {
    if (!(objectLockModes as readonly string[]).includes(lock.mode))
      throw invalidProps(`object_lock.mode must be '', ${objectLockModes.join(' or ')}`);
    if (lock.days > 0 === lock.years > 0)
      throw invalidProps(
        'object_lock.mode needs exactly one of object_lock.days, object_lock.years',
      );
    if (!lock.enabled) throw invalidProps('object_lock.mode needs object_lock.enabled');
  }
  return lock;
}

/** Merges field by field, into nested sections too (`rate_limit.frontend.max_tokens`). */
function mergeSection(
  name: string,
  section: Record<string, unknown>,
  update: Record<string, unknown>,
): void {
  for (const [field, value] of Object.entries(update)) {
    if (!(field in section)) throw invalidProps(`unknown property "${name}.${field}"`);
    const inner = section[field];
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw invalidProps(`"${name}.${field}" must be an object`);
      mergeSection(
        `${name}.${field}`,
        inner as Record<string, unknown>,
        value as Record<string, unknown>,
      );
    } else section[field] = coerceLike(`${name}.${field}`, value, inner);
  }
}

/**
 * `extra.aws.{endpoint,profile,cloud_region}` and `extra.http.original_url`: strings, merged into
 * what the bucket has.
 */
function mergeExtra(current: unknown, update: unknown): ExtraPropsJson {
  const extra = { ...(current as ExtraPropsJson | undefined) };
  if (typeof update !== 'object' || update === null || Array.isArray(update))
    throw invalidProps('"extra" must be an object');
  for (const [provider, section] of Object.entries(update)) {
    const keys = extraKeys[provider];
    if (keys === undefined) throw invalidProps(`unknown property "extra.${provider}"`);
    if (typeof section !== 'object' || section === null || Array.isArray(section))
      throw invalidProps(`"extra.${provider}" must be an object`);
    const merged: Record<string, string> = {
      ...(extra as Record<string, Record<string, string> | undefined>)[provider],
    };
    for (const [field, value] of Object.entries(section as Record<string, unknown>)) {
      if (!keys.includes(field))
        throw invalidProps(`unknown property "extra.${provider}.${field}"`);
      if (typeof value !== 'string')
        throw invalidProps(`"extra.${provider}.${field}" must be a string`);
      merged[field] = value;
    }
    (extra as Record<string, Record<string, string>>)[provider] = merged;
  }
  const origin = extra.http?.original_url;
  if (origin !== undefined && origin !== '' && !/^https?:\/\/[^/]/.test(origin))
    throw invalidProps(`extra.http.original_url must be an http(s) URL, not "${origin}"`);
  return extra;
}

const extraKeys: Readonly<Record<string, readonly string[]>> = {
  aws: awsExtraPropsKeys,
  http: httpExtraPropsKeys,
};

/** Accepts the value's JSON type, or a string spelling of it (CLI and `key=value` forms). */
function coerceLike(key: string, value: unknown, previous: unknown): unknown {
  if (typeof value === typeof previous) return value;
  if (typeof value === 'string' && typeof previous === 'number' && /^-?\d+$/.test(value))
    return Number(value);
  if (typeof value === 'string' && typeof previous === 'boolean' && /^(true|false)$/.test(value)) {
    return value === 'true';
  }
  if (typeof value === 'number' && typeof previous === 'string') return String(value);
  throw invalidProps(`"${key}" must be a ${typeof previous}`);
}

/** AIStore's limits: objects read within the last hour are never evicted; capacity every 10 s at most. */
function validateLru(props: BucketPropsJson): void {
  const limits = [
    ['dont_evict_time', 3_600_000, '1h'],
    ['capacity_upd_time', 10_000, '10s'],
  ] as const;
  for (const [field, minimumMs, minimum] of limits) {
    let milliseconds: number;
    try {
      milliseconds = parseGoDuration(props.lru[field], `lru.${field}`);
    } catch {
      throw invalidProps(`lru.${field}: invalid duration "${props.lru[field]}"`);
    }
    if (milliseconds < minimumMs) throw invalidProps(`lru.${field} must be at least ${minimum}`);
  }
}

function validateBucketProps(props: BucketPropsJson): void {
  if (!isChecksumType(props.checksum.type)) {
    throw invalidProps(`invalid checksum type "${String(props.checksum.type)}"`);
  }
  if (
    !Number.isInteger(props.mirror.copies) ||
    props.mirror.copies < 1 ||
    props.mirror.copies > 32
  ) {
    throw invalidProps('mirror.copies must be an integer from 1 to 32');
  }
  for (const field of ['data_slices', 'parity_slices'] as const) {
    const value = props.ec[field];
    if (!Number.isInteger(value) || value < 1 || value > 32) {
      throw invalidProps(`ec.${field} must be an integer from 1 to 32`);
    }
  }
  if (!Number.isSafeInteger(props.ec.objsize_limit) || props.ec.objsize_limit < -1) {
    throw invalidProps('ec.objsize_limit must be an integer >= -1 (-1: always replicate)');
  }
  if (props.ec.enabled && props.ec.data_slices > maxDataSlices) {
    throw invalidProps(
      `ec.data_slices ${props.ec.data_slices} exceeds the codec's ${maxDataSlices}`,
    );
  }
  if (props.ec.enabled && props.ec.parity_slices > maxParitySlices) {
    throw invalidProps(
      `ec.parity_slices ${props.ec.parity_slices} exceeds the codec's ${maxParitySlices}`,
    );
  }
  validateLru(props);
  const limits = rateLimitProblem(props.rate_limit);
  if (limits !== undefined) throw invalidProps(limits);
  const history: string = props.versioning.history ?? 'none';
  if (!(versionHistoryNames as readonly string[]).includes(history)) {
    throw invalidProps(`versioning.history must be one of ${versionHistoryNames.join(', ')}`);
  }
}

/**
 * Refuses changing the slice counts of a bucket whose erasure coding stays enabled: its objects
 * are encoded with the old ones (disable EC first, or create a new bucket).
 */
export function checkErasureCodingChange(previous: BucketPropsJson, next: BucketPropsJson): void {
  if (!previous.ec.enabled || !next.ec.enabled) return;
  const { data_slices: data, parity_slices: parity } = previous.ec;
  if (next.ec.data_slices !== data || next.ec.parity_slices !== parity) {
    throw invalidProps(
      `ec.data_slices and ec.parity_slices (${data}+${parity}) cannot change while ec.enabled is true`,
    );
  }
}

export function invalidProps(message: string): StoreError {
  return new StoreError('InvalidBucketProps', `invalid bucket properties: ${message}`);
}

/** `sse`: the S3 default encryption, given whole. */
function parseSseUpdate(update: unknown): SsePropsJson {
  if (typeof update !== 'object' || update === null || Array.isArray(update))
    throw invalidProps('"sse" must be an object');
  const { algorithm, kms_key_id: kmsKeyId, ...rest } = update as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw invalidProps(`unknown property "sse.${unknown}"`);
  if (algorithm !== '' && algorithm !== 'AES256' && algorithm !== 'aws:kms')
    throw invalidProps('sse.algorithm must be "", "AES256" or "aws:kms"');
  if (kmsKeyId === undefined) return { algorithm };
  // Whether the cluster's key store holds the key is checked by the S3 API and at each write.
  if (algorithm !== 'aws:kms' || typeof kmsKeyId !== 'string' || !kmsKeyIdPattern.test(kmsKeyId))
    throw invalidProps('sse.kms_key_id must be a KMS key ID, with sse.algorithm "aws:kms"');
  return { algorithm, kms_key_id: kmsKeyId };
}
