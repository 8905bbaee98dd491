// Server-side encryption on the target's object path: a write's key and sealed record (the
// request's SSE-S3, SSE-KMS or SSE-C, else the bucket's default), its bytes encrypted as they stream to the
// store, and reads decrypted as they stream out, a range reading only the packages it touches.
// Who may open an object's key is decided here, with AWS's answers (400 without the SSE-C key,
// 403 with another one, 400 for a key given to an object that has none).
import { pipeline, type Readable } from 'node:stream';
import { resolveRange, type ResolvedRange } from '../../../api/common/index.js';
import {
  kmsKeyIdOf,
  type S3CustomerKey,
  type S3Encryption,
  type S3EncryptionRequest,
  type S3Settings,
} from '../../../api/s3/index.js';
import { StoreError, notImplemented } from '../../../errors/index.js';
import {
  ObjectBody,
  PackageDecryptor,
  PackageEncryptor,
  cipherSizeOf,
  decryptPackagesInPlace,
  encodeEncryptionRecord,
  encryptionRecordOf,
  newObjectKey,
  partSizesOf,
  planRange,
  sealKey,
  unsealKey,
  type EncryptionRecord,
  type PackagePlan,
  type LocalStore,
  type StoredObject,
} from '../../../storage/index.js';
import {
  encryptionMetadataKey,
  userMetadataOf,
  type BucketJson,
  type BucketPropsJson,
} from '../../../wire/index.js';
import type { MasterKey } from '../../../config/index.js';
import type { ObjectRead } from './object-types.js';
import { StreamedBody } from './streamed-body.js';

/** The key and record of a new object (or multipart upload). */
export interface NewEncryption {
  objectKey: Buffer;
  record: EncryptionRecord;
  encryption: S3Encryption;
}

/** A body on its way to the store, encrypted: what the store receives instead of the plaintext. */
export interface EncryptedBody {
  body: Readable;
  contentLength: number;
  /** MD5 hex of the stored bytes, once they all went through (when asked for). */
  cipherMd5(): string;
}

/** Reads of attempts before a ranged read gives up on an object replaced under it. */
const maxRangedAttempts = 3;

export class ObjectEncryption {
  constructor(
    private readonly master: MasterKey,
    /** The S3 settings of the current cluster config: its KMS key store. */
    private readonly settings: () => S3Settings,
  ) {}

  /** The encryption of a new object: the request's, else the bucket's default, else none. */
  start(
    request: S3EncryptionRequest | undefined,
    props: BucketPropsJson,
  ): NewEncryption | undefined {
    const wanted = request ?? this.#bucketDefault(props);
    if (wanted === undefined) return undefined;
    const objectKey = newObjectKey();
    if (wanted.kind === 'SSE-S3') {
      const sealedKey = sealKey(this.master.get(), objectKey, 'SSE-S3');
      return { objectKey, record: { mode: 'SSE-S3', sealedKey }, encryption: { kind: 'SSE-S3' } };
    }
    if (wanted.kind === 'SSE-KMS') {
      // Checked again here: the request may come from a node of an older cluster config.
      const keyId = kmsKeyIdOf(this.settings(), wanted.keyId);
      const sealedKey = sealKey(this.master.kmsKey(keyId), objectKey, 'SSE-KMS');
      return {
        objectKey,
        record: { mode: 'SSE-KMS', sealedKey, kmsKeyId: keyId },
        encryption: { kind: 'SSE-KMS', keyId },
      };
    }
    const sealedKey = sealKey(wanted.key.key, objectKey, 'SSE-C');
    return {
      objectKey,
      record: { mode: 'SSE-C', sealedKey },
      encryption: { kind: 'SSE-C', customerKeyMd5: wanted.key.md5 },
    };
  }

  #bucketDefault(props: BucketPropsJson): S3EncryptionRequest | undefined {
    if (props.sse?.algorithm === 'AES256') return { kind: 'SSE-S3' };
    if (props.sse?.algorithm !== 'aws:kms') return undefined;
    return { kind: 'SSE-KMS', keyId: kmsKeyIdOf(this.settings(), props.sse.kms_key_id) };
  }

  /**
   * The key of an encrypted object or upload (undefined for a plaintext one) for a request that
   * gives `customerKey` (or none), refused as AWS refuses it. An SSE-KMS object opens while the
   * cluster config lists its key: removing a key ID from `s3.kms.keys` revokes reads too.
   */
  open(
    record: EncryptionRecord | undefined,
    customerKey: S3CustomerKey | undefined,
  ): Buffer | undefined {
    if (record === undefined || record.mode !== 'SSE-C') {
      if (customerKey !== undefined) throw notApplicable();
      if (record === undefined) return undefined;
      const kek =
        record.kmsKeyId === undefined
          ? this.master.get()
          : this.master.kmsKey(kmsKeyIdOf(this.settings(), record.kmsKeyId));
      const key = unsealKey(kek, record);
      if (key === undefined) {
        throw new StoreError(
          'Internal',
          "the cluster's master key does not open this object's key (was the master key replaced?)",
        );
      }
      return key;
    }
    if (customerKey === undefined) {
      throw new StoreError(
        'BadRequest',
        'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
      );
    }
    const key = unsealKey(customerKey.key, record);
    if (key === undefined) throw new StoreError('AccessDenied', 'Access Denied');
    return key;
  }

  /** The refusals of `open` for a description (HEAD): an SSE-S3 seal is not opened. */
  check(record: EncryptionRecord | undefined, customerKey: S3CustomerKey | undefined): void {
    if (record?.mode === 'SSE-C') this.open(record, customerKey);
    else if (customerKey !== undefined) throw notApplicable();
  }

  /**
   * Reads an object decrypted when it is encrypted (its key opened for `customerKey`, see `open`).
   * `fetch` reads the stored bytes, of a range when given a Range header; `segmentsOf` lists the
   * stored size of each segment (the parts of a multipart object). A range of an encrypted object
   * is read again as the range of packages that holds it.
   */
  async read(
    fetch: (rangeHeader: string | undefined) => Promise<ObjectRead>,
    rangeHeader: string | undefined,
    customerKey: S3CustomerKey | undefined,
    segmentsOf: (object: StoredObject) => Promise<number[]>,
  ): Promise<ObjectRead> {
    for (let attempt = 0; attempt < maxRangedAttempts; attempt += 1) {
      const read = await fetch(rangeHeader);
      let record: EncryptionRecord | undefined;
      let key: Buffer | undefined;
      let plainBytes: number;
      try {
        record = encryptionRecordOf(read.object.customMetadata);
        key = this.open(record, customerKey);
        if (record === undefined || key === undefined) return read;
        plainBytes = requirePlainBytes(record);
      } catch (error) {
        await read.body.discard();
        throw error;
      }
      const whole = { firstSequence: 0, skip: 0, take: plainBytes };
      if (read.range === undefined) return decrypted(read, record, key, whole, undefined);
      await read.body.discard();
      // The first read resolved the range against the stored size; the client's is the plaintext's.
      const range = resolveRange(rangeHeader, plainBytes) as ResolvedRange;
      const plan = planRange(await segmentsOf(read.object), range.start, range.end);
      const ranged = await fetch(`bytes=${plan.cipherStart}-${plan.cipherEnd}`);
      if (sealedKeyOf(ranged.object) === record.sealedKey)
        return decrypted(ranged, record, key, plan, range);
      // Replaced between the two reads: start over with the new object.
      await ranged.body.discard();
    }
    throw new StoreError(
      'ConditionalRequestConflict',
      'The object was replaced while it was read; retry',
    );
  }
}

/**
 * Encrypts a body for the store under `objectKey` (one segment); `cipherMd5` when the ETag will be
 * the MD5 of the stored bytes.
 */
export function encryptBody(
  objectKey: Buffer,
  body: Readable,
  plainBytes: number,
  cipherMd5: boolean,
): EncryptedBody {
  const encryptor = new PackageEncryptor(objectKey, { cipherMd5 });
  return {
    // The plaintext's errors reach the store through the encryptor.
    body: pipeline(body, encryptor, () => undefined),
    contentLength: cipherSizeOf(plainBytes),
    cipherMd5: () => encryptor.cipherMd5(),
  };
}

/**
 * The custom metadata of an S3 write: the user's, with the encryption record when there is one. The
 * record's name is refused as user metadata (a forged record would turn reads into garbage).
 */
export function withEncryptionRecord(
  userMetadata: Record<string, string>,
  record: EncryptionRecord | undefined,
): Record<string, string> {
  // The client's metadata was checked for reserved entries where it arrived (withObjectAcl); an
  // encryption record here can only be forged.
  if (encryptionMetadataKey in userMetadata)
    throw new StoreError('InvalidArgument', `x-amz-meta-${encryptionMetadataKey} is reserved`);
  if (record === undefined) return userMetadata;
  return { ...userMetadata, [encryptionMetadataKey]: encodeEncryptionRecord(record) };
}

/** How S3 reports a stored object's encryption (the SSE-C key's MD5 as the request gave it). */
export function encryptionOf(
  record: EncryptionRecord | undefined,
  customerKey?: S3CustomerKey,
): S3Encryption | undefined {
  if (record === undefined) return undefined;
  if (record.mode === 'SSE-S3') return { kind: 'SSE-S3' };
  if (record.kmsKeyId !== undefined) return { kind: 'SSE-KMS', keyId: record.kmsKeyId };
  return customerKey === undefined
    ? { kind: 'SSE-C' }
    : { kind: 'SSE-C', customerKeyMd5: customerKey.md5 };
}

/**
 * The object as its plaintext: size, user metadata, no stored checksum (it is the ciphertext's).
 * `record`: its encryption record when the caller has it parsed already (a decrypted read's).
 */
export function plaintextView(
  object: StoredObject,
  record = encryptionRecordOf(object.customMetadata),
): StoredObject {
  const customMetadata = userMetadataOf(object.customMetadata);
  if (record === undefined)
    return customMetadata === object.customMetadata ? object : { ...object, customMetadata };
  return {
    ...object,
    size: requirePlainBytes(record),
    customMetadata,
    checksum: { type: 'none', value: '' },
  };
}

/**
 * Refuses (501) to hand an encrypted object's stored bytes to `what` (GetBatch, shard reads,
 * appends), which would otherwise take the ciphertext for the object.
 */
export function refuseCiphertext(object: StoredObject, what: string): void {
  if (encryptionRecordOf(object.customMetadata) !== undefined)
    throw notImplemented(`${what} of an object stored with server-side encryption`);
}

/**
 * The stored size of each segment of an encrypted object: its parts (from its chunks, or from the
 * record once it is stored whole: moved or restored), or the whole object.
 */
export async function storedSegments(
  store: LocalStore,
  bucket: BucketJson,
  object: StoredObject,
): Promise<number[]> {
  if (object.chunkSet === undefined) {
    const parts = encryptionRecordOf(object.customMetadata)?.parts;
    if (parts === undefined) return [object.size];
    // Empty: a multipart object of too many part sizes to list in its record.
    if (parts.length === 0)
      throw notImplemented(
        'a range of an encrypted multipart object of irregular part sizes, stored whole',
      );
    return partSizesOf(parts);
  }
  const layout = await store.uploads.chunkLayout(bucket, object.chunkSet);
  if (layout === undefined)
    throw new StoreError(
      'ObjectNotFound',
      'The parts of the object are gone (overwritten meanwhile)',
    );
  return layout.chunks.map((chunk) => chunk.sizeBytes);
}

function notApplicable(): StoreError {
  return new StoreError(
    'BadRequest',
    'The encryption parameters are not applicable to this object.',
  );
}

function sealedKeyOf(object: StoredObject): string | undefined {
  return encryptionRecordOf(object.customMetadata)?.sealedKey;
}

function requirePlainBytes(record: EncryptionRecord): number {
  if (record.plainBytes === undefined)
    throw new StoreError('ObjectCorrupted', 'encryption record: no plaintext size');
  return record.plainBytes;
}

function decrypted(
  read: ObjectRead,
  encryption: EncryptionRecord,
  key: Buffer,
  plan: Pick<PackagePlan, 'firstSequence' | 'skip' | 'take'>,
  range: ResolvedRange | undefined,
): ObjectRead {
  // Read whole and verified already: decrypted at once, in its own buffer, and answered with one
  // write of it.
  const inMemory =
    read.body instanceof ObjectBody
      ? read.body.mapMemory((stored) => decryptPackagesInPlace(key, plan, stored))
      : undefined;
  if (inMemory !== undefined) return { object: read.object, body: inMemory, range, encryption };
  const decryptor = new PackageDecryptor(key, plan);
  const stream = pipeline(read.body.toStream(), decryptor, () => undefined);
  // The record stays on the object: the API port reports the encryption from it.
  return { object: read.object, body: new StreamedBody(stream), range, encryption };
}
