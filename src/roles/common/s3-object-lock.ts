// A bucket's S3 object lock from its properties (`object_lock`), and the lock a new version gets:
// what the write asks for, else the bucket's default retention.
import {
  defaultRetention,
  type S3ObjectLock,
  type S3ObjectLockConfig,
  type S3RetentionMode,
} from '../../api/s3/index.js';
import { StoreError } from '../../errors/index.js';
import type { BucketPropsJson } from '../../wire/index.js';

/** The bucket's object lock configuration; undefined when object lock is not enabled. */
export function objectLockConfigOf(props: BucketPropsJson): S3ObjectLockConfig | undefined {
  const lock = props.object_lock;
  if (lock?.enabled !== true) return undefined;
  if (lock.mode === '') return {};
  const mode = lock.mode as S3RetentionMode;
  return { rule: lock.years > 0 ? { mode, years: lock.years } : { mode, days: lock.days } };
}

/** Refuses object lock requests on a bucket without object lock (S3's InvalidRequest). */
export function requireObjectLock(props: BucketPropsJson): S3ObjectLockConfig {
  const config = objectLockConfigOf(props);
  if (config === undefined)
    throw new StoreError('BadRequest', 'Bucket is missing Object Lock Configuration');
  return config;
}

/** The lock of a version written now: the requested one, else the bucket's default retention. */
export function lockOfNewVersion(
  props: BucketPropsJson,
  requested: S3ObjectLock | undefined,
  nowMs: number,
): S3ObjectLock {
  if (requested !== undefined) requireObjectLock(props);
  const rule = objectLockConfigOf(props)?.rule;
  const retention =
    requested?.retention ?? (rule === undefined ? undefined : defaultRetention(rule, nowMs));
  return { retention, legalHold: requested?.legalHold === true ? true : undefined };
}
