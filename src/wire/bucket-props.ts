// Bucket properties JSON (AIStore's `Bprops`), the subset Cairn implements, and their defaults.

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

export interface BucketPropsJson {
  provider: string;
  checksum: ChecksumPropsJson;
  versioning: VersioningPropsJson;
  mirror: MirrorPropsJson;
  ec: ErasureCodingPropsJson;
  lru: LruPropsJson;
  write_policy: WritePolicyJson;
  /** Access bitmask as a decimal string. */
  access: string;
  /** Bucket ID as a decimal string. */
  bid: string;
  /** Creation time, Unix nanoseconds as a decimal string. */
  created: string;
}

/** A partial, nested update (`set-bprops` value). */
export type BucketPropsUpdateJson = {
  [K in keyof BucketPropsJson]?: BucketPropsJson[K] extends object
    ? Partial<BucketPropsJson[K]>
    : BucketPropsJson[K];
};

/** All access bits set (AIStore's `apc.AccessAll`). */
export const accessAll = '4194303';
