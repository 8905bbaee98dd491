// An encrypted object's key and how it is kept (docs/formats/encrypted-objects.md): every object
// gets its own random AES-256 key, stored only sealed (AES-256-GCM) under a key-encryption key:
// the cluster's master key (SSE-S3), a key of the cluster's KMS key store (SSE-KMS, derived from the
// master key) or the customer's key (SSE-C, never stored). The sealed key and
// the plaintext size travel in the object's custom metadata under `cairn-sse`, so every path that
// moves an object with its record (rebalance, resilver, mirror copies, EC restore, copies) keeps
// it readable. The seal is not bound to the object's name for the same reason.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StoreError } from '../../errors/index.js';
import { encryptionMetadataKey } from '../../wire/index.js';
import { objectKeyBytes } from './packages.js';

/** Who holds the key-encryption key: the cluster (SSE-S3, SSE-KMS) or the client (SSE-C). */
export type EncryptionMode = 'SSE-S3' | 'SSE-KMS' | 'SSE-C';

const modes: readonly unknown[] = ['SSE-S3', 'SSE-KMS', 'SSE-C'] satisfies EncryptionMode[];

/** The encryption record of an object (or of a multipart upload, before `plainBytes` is known). */
export interface EncryptionRecord {
  mode: EncryptionMode;
  /** base64 of IV (12) + sealed key (32) + GCM tag (16). */
  sealedKey: string;
  /** SSE-KMS: the ID of the key that sealed `sealedKey`. */
  kmsKeyId?: string;
  /** Size of the plaintext (the stored bytes are larger); absent on uploads in progress. */
  plainBytes?: number;
  /**
   * A multipart object's segments (its parts) as runs of [stored bytes, count], in part order: the
   * part boundaries a range read needs once the object is no longer stored as its parts (after a
   * rebalance or an EC restore). Absent on single-part objects; empty when there are more
   * than `maxPartRuns` runs (they would not fit in the metadata record).
   */
  parts?: Array<[number, number]>;
}

/** The most runs kept in `parts`: parts of one size and a last one take 2. */
export const maxPartRuns = 64;

const sealFormat = 'cairn-sse-v1';

export function newObjectKey(): Buffer {
  return randomBytes(objectKeyBytes);
}

/** Seals an object key under a key-encryption key (32 bytes). */
export function sealKey(kek: Buffer, objectKey: Buffer, mode: EncryptionMode): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(`${sealFormat} ${mode}`));
  const sealed = Buffer.concat([cipher.update(objectKey), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64');
}

/** The object key, or undefined when `kek` is not the key it was sealed with. */
export function unsealKey(kek: Buffer, record: EncryptionRecord): Buffer | undefined {
  const bytes = Buffer.from(record.sealedKey, 'base64');
  if (bytes.length !== 12 + objectKeyBytes + 16) throw badRecord('sealed key of a wrong length');
  const decipher = createDecipheriv('aes-256-gcm', kek, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(`${sealFormat} ${record.mode}`));
  decipher.setAuthTag(bytes.subarray(12 + objectKeyBytes));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(12, 12 + objectKeyBytes)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  }
}

export function encodeEncryptionRecord(record: EncryptionRecord): string {
  return JSON.stringify(record);
}

/** The encryption record in an object's custom metadata; undefined for a plaintext object. */
export function encryptionRecordOf(
  customMetadata: Record<string, string>,
): EncryptionRecord | undefined {
  const text = customMetadata[encryptionMetadataKey];
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRecord('not JSON');
  }
  if (typeof value !== 'object' || value === null) throw badRecord('not an object');
  const { mode, sealedKey, kmsKeyId, plainBytes, parts } = value as Record<string, unknown>;
  if (!modes.includes(mode) || typeof sealedKey !== 'string')
    throw badRecord('mode or key missing');
  if ((mode === 'SSE-KMS') !== (typeof kmsKeyId === 'string'))
    throw badRecord('a KMS key ID is given with SSE-KMS only');
  if (plainBytes !== undefined && !Number.isSafeInteger(plainBytes)) throw badRecord('bad size');
  if (parts !== undefined && !isPartRuns(parts)) throw badRecord('bad parts');
  return {
    mode: mode as EncryptionMode,
    sealedKey,
    ...(typeof kmsKeyId === 'string' ? { kmsKeyId } : {}),
    ...(plainBytes === undefined ? {} : { plainBytes: plainBytes as number }),
    ...(parts === undefined ? {} : { parts }),
  };
}

/** The runs of equal sizes in `sizes`; none when there are more than `maxPartRuns`. */
export function partRunsOf(sizes: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const size of sizes) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === size) last[1] += 1;
    else runs.push([size, 1]);
  }
  return runs.length > maxPartRuns ? [] : runs;
}

/** The stored size of each part, from its runs. */
export function partSizesOf(runs: ReadonlyArray<readonly [number, number]>): number[] {
  return runs.flatMap(([size, count]) => Array<number>(count).fill(size));
}

function isPartRuns(value: unknown): value is Array<[number, number]> {
  return (
    Array.isArray(value) &&
    value.length <= maxPartRuns &&
    value.every(
      (run) =>
        Array.isArray(run) &&
        run.length === 2 &&
        run.every((number) => Number.isSafeInteger(number) && (number as number) > 0),
    )
  );
}

function badRecord(detail: string): StoreError {
  return new StoreError('ObjectCorrupted', `encryption record: ${detail}`);
}
