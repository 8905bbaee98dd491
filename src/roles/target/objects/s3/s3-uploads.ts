// S3 multipart uploads on the target that stores the key: create, parts (encrypted with the
// upload's sealed key as they arrive), list, complete (checksums combined as S3 makes them) and abort.
import {
  combinePartChecksums,
  uploadChecksumOf,
  type S3Encryption,
  type S3EncryptionRequest,
  type S3ObjectAttributes,
  type S3ObjectInfo,
  type S3ObjectLock,
  type S3PartInfo,
  type S3PartWrite,
  type S3UploadChecksum,
  type WriteCondition,
} from '../../../../api/s3/index.js';
import {
  encryptionRecordOf,
  plainSizeOf,
  type LocalStore,
  type ManifestChunk,
  type UploadChecksum,
  type WritePrecondition,
} from '../../../../storage/index.js';
import type { NodeRuntime } from '../../../common/node-runtime.js';
import { lockOfNewVersion, requireObjectLock } from '../../../common/s3-object-lock.js';
import { s3Settings } from '../../../common/s3-settings.js';
import {
  encryptBody,
  encryptionOf,
  withEncryptionRecord,
  type ObjectEncryption,
} from '../object-encryption.js';
import type { ObjectService } from '../object-service.js';
import type { ResolvedBucket } from '../object-types.js';
import { etagIsCipherMd5, sseEtag, toS3Info, withExpiration } from './s3-object-info.js';

/** A conditional write's check on arrival, and the one to run at the commit. */
export type S3WritePrecondition = (
  view: ResolvedBucket,
  key: string,
  condition: WriteCondition | undefined,
) => Promise<{ precondition?: WritePrecondition }>;

export class S3Uploads {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly objects: ObjectService,
    private readonly encryption: ObjectEncryption,
    /** The bucket an S3 request names, resolved. */
    private readonly resolve: (bucket: string) => ResolvedBucket,
    private readonly precondition: S3WritePrecondition,
  ) {}

  private get store(): LocalStore {
    return this.objects.store;
  }

  async createUpload(
    bucket: string,
    key: string,
    attributes: S3ObjectAttributes,
    lock?: S3ObjectLock,
    checksum?: S3UploadChecksum,
    encryption?: S3EncryptionRequest,
  ): Promise<{ uploadId: string; encryption: S3Encryption | undefined }> {
    const view = this.resolve(bucket);
    // The lock asked for now; without one the completion applies the bucket's default.
    if (lock !== undefined) requireObjectLock(view.props);
    // The upload's key is sealed in its record; each part is encrypted with it as it arrives.
    const sse = this.encryption.start(encryption, view.props);
    const uploadId = await this.store.uploads.createUpload(view.bucket, key, {
      customMetadata: withEncryptionRecord(attributes.userMetadata, sse?.record),
      contentHeaders: attributes.contentHeaders,
      tags: attributes.tags,
      ...(lock?.retention === undefined ? {} : { retention: lock.retention }),
      ...(lock?.legalHold === true ? { legalHold: true } : {}),
      ...(checksum === undefined ? {} : { checksum }),
    });
    return { uploadId, encryption: sse?.encryption };
  }

  async uploadPart(request: S3PartWrite): Promise<S3PartInfo & { encryption?: S3Encryption }> {
    const { bucket, props } = this.resolve(request.bucket);
    await this.objects.space.require(
      `part ${request.partNumber} of ${request.bucket}/${request.key}`,
    );
    const upload = await this.store.uploads.uploadAttributes(bucket, request.key, request.uploadId);
    const record = encryptionRecordOf(upload.customMetadata);
    const objectKey = this.encryption.open(record, request.customerKey);
    const encryption = encryptionOf(record, request.customerKey);
    const encrypted =
      objectKey === undefined
        ? undefined
        : encryptBody(objectKey, request.body, request.contentLength, etagIsCipherMd5(encryption));
    const part = await this.store.uploads.uploadPart({
      bucket,
      name: request.key,
      uploadId: request.uploadId,
      partNumber: request.partNumber,
      body: encrypted?.body ?? request.body,
      contentLength: encrypted?.contentLength ?? request.contentLength,
      checksumType: props.checksum.type,
      offloadDigests: request.offloadDigests,
      finish: async () => {
        const { etag, checksums } = await request.finish();
        return { etag: sseEtag(encryption, etag, encrypted), extraChecksums: checksums };
      },
    });
    const info = toPartInfo(part, record !== undefined);
    return encryption === undefined ? info : { ...info, encryption };
  }

  async listParts(bucket: string, key: string, uploadId: string): Promise<S3PartInfo[]> {
    const view = this.resolve(bucket);
    const upload = await this.store.uploads.uploadAttributes(view.bucket, key, uploadId);
    const encrypted = encryptionRecordOf(upload.customMetadata) !== undefined;
    const parts = await this.store.uploads.listParts(view.bucket, key, uploadId);
    return parts.map((part) => toPartInfo(part, encrypted));
  }

  async completeUpload(
    bucketName: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string; checksums: Record<string, string> }>,
    writeCondition?: WriteCondition,
    expectedChecksums?: Record<string, string>,
  ): Promise<S3ObjectInfo> {
    const view = this.resolve(bucketName);
    const { bucket, props, history, versioned } = view;
    const condition = await this.precondition(view, key, writeCondition);
    const lock = lockOfNewVersion(props, undefined, this.runtime.clock.nowMs());
    const object = await this.objects.completeUpload(view, {
      ...condition,
      ...lock,
      bucket,
      name: key,
      uploadId,
      parts: parts.map((part) => ({
        partNumber: part.partNumber,
        etag: part.etag,
        extraChecksums: part.checksums,
      })),
      minPartBytes: s3Settings(this.runtime).multipartMinPartBytes,
      versioning: props.versioning.enabled,
      history,
      combineChecksums: checksumCombination(expectedChecksums),
    });
    return withExpiration(view, toS3Info(object, versioned));
  }

  abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    return this.store.uploads.abortUpload(this.resolve(bucket).bucket, key, uploadId);
  }
}

/** A part as S3 lists it: the plaintext's size for a part stored encrypted. */
function toPartInfo(
  part: {
    partNumber: number;
    sizeBytes: number;
    etag: string;
    modifiedTimeMs: number;
    extraChecksums: Record<string, string>;
  },
  encrypted: boolean,
): S3PartInfo {
  return {
    partNumber: part.partNumber,
    size: encrypted ? plainSizeOf(part.sizeBytes) : part.sizeBytes,
    etag: part.etag,
    modifiedTimeMs: part.modifiedTimeMs,
    checksums: part.extraChecksums,
  };
}

/**
 * A completion's checksums as S3 makes them, in the form the upload was created with (S3 and native
 * completions); `expected`: the completion's `x-amz-checksum-*` values to verify.
 */
export function checksumCombination(
  expected?: Record<string, string>,
): (
  chunks: ManifestChunk[],
  declared: UploadChecksum | undefined,
) => Promise<Record<string, string>> {
  return (chunks, declared) => combinePartChecksums(chunks, uploadChecksumOf(declared), expected);
}
