// Native multipart upload (AIStore's `mpt-upload`, part PUTs, `mpt-complete`, `mpt-abort`) on the
// chunk store S3 multipart uses, so the two are interchangeable for an ais bucket: an upload started
// through one API can be listed, continued, completed or aborted through the other. Parts get the
// MD5 ETag S3 gives them; a completion is checked as AIStore checks it (the listed parts must be
// exactly the uploaded ones, 1..N), then stored through the object service (protected like a PUT).
import { pipeline } from 'node:stream';
import type { PartRequest } from '../../../api/native/index.js';
import { HashingStream } from '../../../checksum/index.js';
import { StoreError, badRequest, isStoreError } from '../../../errors/index.js';
import { bucketDisplayName } from '../../../wire/index.js';
import type { ObjectService } from './object-service.js';
import type { ObjectTarget } from './object-types.js';
import { checksumCombination } from './s3/s3-uploads.js';

export class NativeMultipart {
  constructor(private readonly objects: ObjectService) {}

  /** Starts an upload; its ID (the one S3 lists too). */
  async create(target: ObjectTarget): Promise<string> {
    const attributes = { customMetadata: {}, contentHeaders: {}, tags: {} };
    return await this.objects.store.uploads.createUpload(
      target.bucket.bucket,
      target.name,
      attributes,
    );
  }

  /** Stores a part (a part with the same number is replaced: last wins). */
  async uploadPart(target: ObjectTarget, request: PartRequest): Promise<void> {
    const { uploadId, partNumber, contentLength } = request;
    const where = `${bucketDisplayName(target.bucket.bucket)}/${target.name}`;
    await this.objects.space.require(`part ${partNumber} of ${where}`);
    const md5 = new HashingStream(['md5']);
    const body = pipeline(request.body, md5, () => undefined);
    await nativeUploadErrors(target, uploadId, () =>
      this.objects.store.uploads.uploadPart({
        bucket: target.bucket.bucket,
        name: target.name,
        uploadId,
        partNumber,
        body,
        contentLength,
        checksumType: target.bucket.props.checksum.type,
        finish: () => ({ etag: md5.digestOf('md5') ?? '' }),
      }),
    );
  }

  /** Completes the upload with the listed part numbers (any order; they must be 1..N, all of them). */
  async complete(target: ObjectTarget, uploadId: string, partNumbers: number[]): Promise<void> {
    const { bucket, props, history } = target.bucket;
    const { name } = target;
    await nativeUploadErrors(target, uploadId, async () => {
      const stored = await this.objects.store.uploads.listParts(bucket, name, uploadId);
      if (stored.length === 0) throw badRequest(`${name}: ${uploadId}: no chunks`);
      if (partNumbers.length !== stored.length) {
        throw badRequest(
          `${name}: partial completion is not allowed: requested ${partNumbers.length} parts, have ${stored.length}`,
        );
      }
      const sorted = [...partNumbers].sort((left, right) => left - right);
      const numbered = (number: number, index: number): boolean => number === index + 1;
      if (
        !sorted.every(numbered) ||
        !stored.every((part, index) => numbered(part.partNumber, index))
      )
        throw badRequest(`${name}: parts must be exactly 1..${stored.length}`);
      await this.objects.completeUpload(target.bucket, {
        bucket,
        name,
        uploadId,
        parts: stored.map((part) => ({
          partNumber: part.partNumber,
          etag: part.etag,
          extraChecksums: part.extraChecksums,
        })),
        // AIStore's native API has no smallest part.
        minPartBytes: 0,
        versioning: props.versioning.enabled,
        history,
        combineChecksums: checksumCombination(),
      });
    });
  }

  async abort(target: ObjectTarget, uploadId: string): Promise<void> {
    await nativeUploadErrors(target, uploadId, () =>
      this.objects.store.uploads.abortUpload(target.bucket.bucket, target.name, uploadId),
    );
  }
}

/** An unknown (completed, aborted) upload in AIStore's words: `<object>: <upload ID> does not exist`. */
async function nativeUploadErrors<T>(
  target: ObjectTarget,
  uploadId: string,
  action: () => Promise<T>,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (isStoreError(error) && error.code === 'NoSuchUpload')
      throw new StoreError('NoSuchUpload', `${target.name}: ${uploadId} does not exist`);
    throw error;
  }
}
