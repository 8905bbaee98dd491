// Bucket properties JSON (AIStore's `Bprops`), the subset Cairn implements, their defaults, and
// the access permissions a bucket's `access` mask grants.
import type { BucketJson } from './bucket.js';

export const ChecksumType = {
  none: 'none',
  xxhash: 'xxhash',
  md5: 'md5',
  sha256: 'sha256',
  crc32c: 'crc32c',
  sha512: 'sha512',
} as const;
export type ChecksumTypeName = (typeof ChecksumType)[keyof typeof ChecksumType];
export const checksumTypeNames: readonly ChecksumTypeName[] = Object.values(ChecksumType);

export interface ChecksumPropsJson {
  type: ChecksumTypeName;
  validate_cold_get: boolean;
  validate_warm_get: boolean;
  validate_obj_move: boolean;
  enable_read_range: boolean;
}

export interface VersioningPropsJson {
  /** AIStore's: number the current version of each object ("1", "2", ...). */
  enabled: boolean;
  validate_warm_get: boolean;
  synchronize: boolean;
  /**
   * Cairn's: keep older versions and delete markers (S3 versioning). `none` (the default: never
   * enabled), `enabled`, or `suspended` (writes replace the `null` version, older ones stay).
   * Once enabled it never returns to `none`. Absent in metadata written before it existed.
   */
  history?: VersionHistoryName;
}

export const versionHistoryNames = ['none', 'enabled', 'suspended'] as const;
export type VersionHistoryName = (typeof versionHistoryNames)[number];

/** How the bucket keeps history, or undefined when it keeps none. */
export function keptHistoryOf(props: BucketPropsJson): 'enabled' | 'suspended' | undefined {
  const history = props.versioning.history ?? 'none';
  return history === 'none' ? undefined : history;
}

export interface MirrorPropsJson {
  enabled: boolean;
  copies: number;
  burst_buffer: number;
}

export interface ErasureCodingPropsJson {
  enabled: boolean;
  data_slices: number;
  parity_slices: number;
  objsize_limit: number;
  compression: string;
  bundle_multiplier: number;
  disk_only: boolean;
}

export interface LruPropsJson {
  enabled: boolean;
  dont_evict_time: string;
  capacity_upd_time: string;
}

export interface WritePolicyJson {
  data: string;
  md: string;
}

/** A remote bucket's backend settings (AIStore's `extra.aws`): empty strings mean "not set". */
export interface AwsExtraPropsJson {
  /** S3 endpoint URL, overriding the profile's. */
  endpoint?: string;
  /** Name of a backend profile in the cluster config (`backend.aws_profiles`). */
  profile?: string;
  /** Region, overriding the profile's. */
  cloud_region?: string;
}

export const awsExtraPropsKeys = ['endpoint', 'profile', 'cloud_region'] as const;

/** `ht://` buckets (AIStore's `extra.http`): the origin an object name is appended to. */
export interface HttpExtraPropsJson {
  /** Base URL (`http(s)://host[:port]/path/`); an object `a/b.txt` is `<original_url>/a/b.txt`. */
  original_url?: string;
}

export const httpExtraPropsKeys = ['original_url'] as const;

export interface ExtraPropsJson {
  aws?: AwsExtraPropsJson;
  http?: HttpExtraPropsJson;
}

/**
 * Cairn's S3 object lock of a bucket (absent: never enabled). Once enabled it stays enabled, and
 * `versioning.history` stays `enabled`.
 */
export interface ObjectLockPropsJson {
  enabled: boolean;
  /** Default retention of new versions: '' (none), `GOVERNANCE` or `COMPLIANCE`. */
  mode: string;
  /** Default retention period with `mode`: days or years, exactly one of them positive. */
  days: number;
  years: number;
}

export const objectLockModes = ['GOVERNANCE', 'COMPLIANCE'] as const;

/**
 * What an S3 lifecycle rule applies to: every predicate set must hold (AWS's `Filter`, `And`).
 * Sizes of 0 are unset.
 */
export interface LifecycleFilterJson {
  prefix: string;
  tags: Record<string, string>;
  size_greater_than: number;
  size_less_than: number;
}

/** One S3 lifecycle rule (a day count of 0, an empty date: unset). */
export interface LifecycleRuleJson {
  id: string;
  enabled: boolean;
  filter: LifecycleFilterJson;
  /** Expire the current version this many days after it was written (S3's rounding to midnight). */
  expiration_days: number;
  /** Expire current versions from this day on (ISO 8601, midnight UTC). */
  expiration_date: string;
  /** Remove a delete marker that is all that is left of its object. */
  expired_object_delete_marker: boolean;
  /** Remove a noncurrent version this many days after it stopped being current. */
  noncurrent_days: number;
  /** With `noncurrent_days`: keep this many newer noncurrent versions regardless. */
  newer_noncurrent_versions: number;
  /** Abort multipart uploads this many days after they were created. */
  abort_incomplete_upload_days: number;
}

/** A bucket's S3 lifecycle configuration (no rules: none). Replaced whole by an update. */
export interface LifecycleJson {
  rules: LifecycleRuleJson[];
}

/**
 * A bucket's default server-side encryption (S3 PutBucketEncryption): `AES256` encrypts S3 writes
 * that ask for no encryption with SSE-S3, `aws:kms` with SSE-KMS under `kms_key_id` (a key ID of the
 * cluster config's `s3.kms.keys`; absent: the cluster's default KMS key at each write); '' is none.
 */
export interface SsePropsJson {
  algorithm: '' | 'AES256' | 'aws:kms';
  kms_key_id?: string;
}

/** One S3 ACL grant: a canonical user (`id`) or a group (`uri`), and the permission. */
export interface S3GrantJson {
  id?: string;
  display_name?: string;
  uri?: string;
  permission: string;
}

/** One S3 CORS rule. */
export interface S3CorsRuleJson {
  id?: string;
  allowed_origins: string[];
  allowed_methods: string[];
  allowed_headers: string[];
  expose_headers: string[];
  max_age_seconds?: number;
}

/**
 * Cairn's S3 access control of a bucket (api/s3/access validates it; replaced per field on update):
 * the owner, the bucket ACL, the ObjectOwnership setting ('' when none), the bucket policy (JSON
 * text, '' when none) and the public access block (absent when none).
 */
export interface S3AccessPropsJson {
  owner: { id: string; display_name: string };
  grants: S3GrantJson[];
  object_ownership: string;
  policy: string;
  /** CORS rules (absent when none). */
  cors?: S3CorsRuleJson[];
  public_access_block?: {
    block_public_acls: boolean;
    ignore_public_acls: boolean;
    block_public_policy: boolean;
    restrict_public_buckets: boolean;
  };
}

/** `rate_limit.frontend`: client requests each gateway admits for its share of the bucket. */
export interface FrontendRateLimitJson {
  enabled: boolean;
  /** Go duration text ("1m"): the window `max_tokens` is per. */
  interval: string;
  max_tokens: number;
  burst_size: number;
  /** Space-separated `verb:n` overrides of `max_tokens` ("get:5000 delete:1000"). */
  per_op_max_tokens: string;
}

/** `rate_limit.backend`: calls to the remote backend each target makes for its share. */
export interface BackendRateLimitJson {
  enabled: boolean;
  interval: string;
  max_tokens: number;
  num_retries: number;
  per_op_max_tokens: string;
}

/** AIStore's `rate_limit` bucket property. */
export interface RateLimitPropsJson {
  backend: BackendRateLimitJson;
  frontend: FrontendRateLimitJson;
}

export interface BucketPropsJson {
  provider: string;
  checksum: ChecksumPropsJson;
  versioning: VersioningPropsJson;
  mirror: MirrorPropsJson;
  ec: ErasureCodingPropsJson;
  lru: LruPropsJson;
  write_policy: WritePolicyJson;
  /** Absent in buckets created before rate limits existed: then no limit applies. */
  rate_limit?: RateLimitPropsJson;
  /** Access bitmask as a decimal string. */
  access: string;
  /** Bucket ID as a decimal string. */
  bid: string;
  /** Creation time, Unix nanoseconds as a decimal string. */
  created: string;
  /** Provider-specific settings of remote buckets (absent on ais buckets). */
  extra?: ExtraPropsJson;
  /** S3 object lock (absent on buckets that never had it). */
  object_lock?: ObjectLockPropsJson;
  /** S3 lifecycle rules (absent or empty: none). */
  lifecycle?: LifecycleJson;
  /** S3 default encryption (absent or empty algorithm: none). */
  sse?: SsePropsJson;
  /** S3 access control (absent on buckets not created through S3 and never given any). */
  s3_access?: S3AccessPropsJson;
  /** S3 bucket tags, key to value (absent or empty: none). Replaced whole by an update. */
  s3_tags?: Record<string, string>;
  /**
   * Set on a bucket being renamed (AIStore's `renamed`, `"move-bck"`): it answers as gone, and
   * `renamed_to` (Cairn's) is its new name, which targets rename their directories to.
   */
  renamed?: string;
  renamed_to?: BucketJson;
  /**
   * Cairn's: the names (and bucket IDs) this bucket had before (move-bck), oldest first. A target that was away
   * during a rename knows only the old name; when it comes back, the old name is gone from the
   * metadata, and without this it would destroy its directories (the only replicas of the objects
   * it owned) instead of renaming them.
   */
  renamed_from?: Array<{ bucket: BucketJson; bid: string }>;
}

/** Every field optional, at every depth. */
type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A partial, nested update (`set-bprops` value). */
export type BucketPropsUpdateJson = {
  [K in keyof BucketPropsJson]?: DeepPartial<NonNullable<BucketPropsJson[K]>>;
};

/** All access bits set (AIStore's `apc.AccessAll`). */
export const accessAll = '4194303';

// Access permissions (AIStore's `apc.AccessAttrs`): a bitmask sent as a decimal string, one bit
// per operation, named as AIStore names them.

/** Permission names by bit, in AIStore's order (`api/apc/access.go`). */
export const accessPermissions: readonly string[] = [
  'GET',
  'HEAD-OBJECT',
  'PUT',
  'APPEND',
  'DELETE-OBJECT',
  'MOVE-OBJECT',
  'PROMOTE',
  'DISCONNECTED-BACKEND',
  'HEAD-BUCKET',
  'LIST-OBJECTS',
  'PATCH',
  'SET-BUCKET-ACL',
  'LIST-BUCKETS',
  'SHOW-CLUSTER',
  'CREATE-BUCKET',
  'DESTROY-BUCKET',
  'MOVE-BUCKET',
  'ADMIN',
];

const bit = (name: string): bigint => 1n << BigInt(accessPermissions.indexOf(name));
const union = (names: readonly string[]): bigint =>
  names.reduce((mask, name) => mask | bit(name), 0n);

/** AIStore's shorthands: read-only, read-write, and everything (`su`). */
export const accessReadOnly = union([
  'GET',
  'HEAD-OBJECT',
  'LIST-BUCKETS',
  'HEAD-BUCKET',
  'LIST-OBJECTS',
]);
export const accessReadWrite =
  accessReadOnly | union(['PUT', 'APPEND', 'DELETE-OBJECT', 'MOVE-OBJECT']);
const everyKnownBit = (1n << BigInt(accessPermissions.length)) - 1n;

/**
 * The permissions of a mask as people read them: `none`; `su (all)` when every permission is
 * granted; else `ro: ...` / `rw: ...` for AIStore's shorthands, or the names joined with `,`
 * (unknown bits as `bit<N>`). Undefined when `value` is not a decimal mask.
 */
export function describeAccess(value: string): string | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const mask = BigInt(value);
  if (mask === 0n) return 'none';
  if ((mask & everyKnownBit) === everyKnownBit) return 'su (all)';
  const names: string[] = [];
  for (let index = 0; 1n << BigInt(index) <= mask; index += 1) {
    if ((mask & (1n << BigInt(index))) === 0n) continue;
    names.push(accessPermissions[index] ?? `bit${index}`);
  }
  const list = names.join(',');
  if (mask === accessReadOnly) return `ro: ${list}`;
  if (mask === accessReadWrite) return `rw: ${list}`;
  return list;
}

/**
 * A mask from what people write: a decimal mask as is; `ro`, `rw`, `su`, `none`; or permission
 * names joined with `,` (case-insensitive). Undefined for anything else.
 */
export function parseAccess(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return trimmed;
  const lower = trimmed.toLowerCase();
  if (lower === 'su') return accessAll;
  if (lower === 'none') return '0';
  if (lower === 'ro') return String(accessReadOnly);
  if (lower === 'rw') return String(accessReadWrite);
  let mask = 0n;
  for (const name of trimmed.split(',')) {
    const index = accessPermissions.indexOf(name.trim().toUpperCase());
    if (index < 0) return undefined;
    mask |= 1n << BigInt(index);
  }
  return String(mask);
}
