// S3 object operations on the target that stores the key: reads, writes, tags and multipart
// uploads through the local store; copy sources on other targets are fetched from their owner.
import type { Readable } from 'node:stream';
import { errorTable, resolveRange, type ResolvedRange } from '../../api/common/index.js';
import {
  compositeChecksum,
  forwardedPath,
  forwardedRequestHeaders,
  isChecksumAlgorithm,
  objectInfoFromHeaders,
  parseS3ErrorXml,
  type S3DeleteOutcome,
  type S3ObjectBody,
  type S3ObjectAttributes,
  type S3ObjectInfo,
  type S3ObjectPort,
  type S3PartInfo,
  type S3WriteRequest,
} from '../../api/s3/index.js';
import { StoreError, isErrorCode } from '../../errors/index.js';
import type { LocalStore, ManifestChunk, StoredObject } from '../../storage/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardTimeoutMs, ownerOf, s3Bucket } from '../common/s3-forwarding.js';
import { s3Settings } from '../common/s3-settings.js';

/** The S3 description of a stored object. */
export function toS3Info(object: StoredObject): S3ObjectInfo {
  const parts = /-(\d+)$/.exec(object.etag ?? '')?.[1];
  const info: S3ObjectInfo = {
    key: object.name,
    size: object.size,
    // Objects written through the native API have no MD5: their content checksum stands in.
    etag: object.etag ?? (object.checksum.value === '' ? 'none' : object.checksum.value),
    modifiedTimeMs: object.modifiedTimeMs,
    userMetadata: object.customMetadata,
    contentHeaders: object.contentHeaders,
    tags: object.tags,
    checksums: object.extraChecksums,
  };
  if (parts !== undefined) info.partsCount = Number(parts);
  return info;
}

/** S3's unversioned buckets know one version of each object: `null`. */
function checkVersion(versionId: string | undefined, object: StoredObject): void {
  if (versionId === undefined || versionId === 'null' || versionId === object.version) return;
  throw new StoreError('NoSuchVersion', 'The specified version does not exist.');
}

export class TargetS3Objects implements S3ObjectPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
  ) {}

  #bucket(name: string) {
    const bucket = s3Bucket(name);
    return { bucket, props: lookupBucket(this.runtime, bucket).props };
  }

  async head(bucket: string, key: string, versionId: string | undefined): Promise<S3ObjectInfo> {
    const object = await this.store.headObject(this.#bucket(bucket).bucket, key);
    checkVersion(versionId, object);
    return toS3Info(object);
  }

  async get(
    bucketName: string,
    key: string,
    versionId: string | undefined,
    rangeHeader: string | undefined,
  ): Promise<{ info: S3ObjectInfo; body: S3ObjectBody; range: ResolvedRange | undefined }> {
    const { bucket } = this.#bucket(bucketName);
    let range: ResolvedRange | undefined;
    if (rangeHeader !== undefined && rangeHeader !== '') {
      const head = await this.store.headObject(bucket, key);
      range = resolveRange(rangeHeader, head.size);
    }
    const { object, body } = await this.store.getObject(bucket, key, range);
    try {
      checkVersion(versionId, object);
    } catch (error) {
      await body.discard();
      throw error;
    }
    return { info: toS3Info(object), body, range };
  }

  async openSource(
    bucket: string,
    key: string,
    versionId: string | undefined,
    rangeHeader: string | undefined,
  ): Promise<{ info: S3ObjectInfo; body: Readable; range: ResolvedRange | undefined }> {
    if (ownerOf(this.runtime, bucket, key).id === this.runtime.id) {
      const { info, body, range } = await this.get(bucket, key, versionId, rangeHeader);
      return { info, body: (body as unknown as { toStream(): Readable }).toStream(), range };
    }
    return this.#fetchRemote(bucket, key, versionId, rangeHeader);
  }

  /** GET from the owner's intra port, as a forwarded request (its answer carries every attribute). */
  async #fetchRemote(
    bucket: string,
    key: string,
    versionId: string | undefined,
    rangeHeader: string | undefined,
  ): Promise<{ info: S3ObjectInfo; body: Readable; range: ResolvedRange | undefined }> {
    const owner = ownerOf(this.runtime, bucket, key);
    const query = versionId === undefined ? '' : `?versionId=${encodeURIComponent(versionId)}`;
    const headers = forwardedRequestHeaders(this.runtime.id, key);
    if (rangeHeader !== undefined) headers.range = rangeHeader;
    const response = await this.runtime.client.stream(
      `${owner.intraUrl}${forwardedPath(bucket, key)}${query}`,
      { method: 'GET', headers, timeoutMs: forwardTimeoutMs(this.runtime) },
    );
    if (response.statusCode !== 200 && response.statusCode !== 206) {
      const text = await response.body
        .setEncoding('utf8')
        .toArray()
        .then((parts) => parts.join(''));
      throw remoteError(response.statusCode, text);
    }
    const info = objectInfoFromHeaders(key, response.headers);
    const contentRange = /^bytes (\d+)-(\d+)\//.exec(
      String(response.headers['content-range'] ?? ''),
    );
    const range =
      contentRange === null
        ? undefined
        : { start: Number(contentRange[1]), end: Number(contentRange[2]) };
    return { info, body: response.body, range };
  }

  async put(request: S3WriteRequest): Promise<S3ObjectInfo> {
    const { bucket, props } = this.#bucket(request.bucket);
    const object = await this.store.putObject({
      bucket,
      name: request.key,
      body: request.body,
      contentLength: request.contentLength,
      checksumType: props.checksum.type,
      customMetadata: request.userMetadata,
      contentHeaders: request.contentHeaders,
      tags: request.tags,
      versioning: props.versioning.enabled,
      finish: () => {
        const { etag, checksums } = request.finish();
        return { etag, extraChecksums: checksums };
      },
    });
    return toS3Info(object);
  }

  async delete(
    bucket: string,
    key: string,
    versionId: string | undefined,
  ): Promise<S3DeleteOutcome> {
    if (versionId !== undefined) await this.head(bucket, key, versionId);
    await this.store.deleteObject(this.#bucket(bucket).bucket, key);
    return { deleteMarker: false };
  }

  async setTags(
    bucket: string,
    key: string,
    versionId: string | undefined,
    tags: Record<string, string>,
  ): Promise<S3ObjectInfo> {
    if (versionId !== undefined) await this.head(bucket, key, versionId);
    return toS3Info(await this.store.setTags(this.#bucket(bucket).bucket, key, tags));
  }

  createUpload(bucket: string, key: string, attributes: S3ObjectAttributes): Promise<string> {
    return this.store.createUpload(this.#bucket(bucket).bucket, key, {
      customMetadata: attributes.userMetadata,
      contentHeaders: attributes.contentHeaders,
      tags: attributes.tags,
    });
  }

  async uploadPart(
    request: S3WriteRequest & { uploadId: string; partNumber: number },
  ): Promise<S3PartInfo> {
    const { bucket, props } = this.#bucket(request.bucket);
    const part = await this.store.uploadPart({
      bucket,
      name: request.key,
      uploadId: request.uploadId,
      partNumber: request.partNumber,
      body: request.body,
      contentLength: request.contentLength,
      checksumType: props.checksum.type,
      finish: () => {
        const { etag, checksums } = request.finish();
        return { etag, extraChecksums: checksums };
      },
    });
    return toPartInfo(part);
  }

  async listParts(bucket: string, key: string, uploadId: string): Promise<S3PartInfo[]> {
    const parts = await this.store.listParts(this.#bucket(bucket).bucket, key, uploadId);
    return parts.map(toPartInfo);
  }

  async completeUpload(
    bucketName: string,
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string; checksums: Record<string, string> }>,
  ): Promise<S3ObjectInfo> {
    const { bucket, props } = this.#bucket(bucketName);
    const object = await this.store.completeUpload({
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
      combineChecksums: combinedChecksums,
    });
    return toS3Info(object);
  }

  abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    return this.store.abortUpload(this.#bucket(bucket).bucket, key, uploadId);
  }
}

function toPartInfo(part: {
  partNumber: number;
  sizeBytes: number;
  etag: string;
  modifiedTimeMs: number;
  extraChecksums: Record<string, string>;
}): S3PartInfo {
  return {
    partNumber: part.partNumber,
    size: part.sizeBytes,
    etag: part.etag,
    modifiedTimeMs: part.modifiedTimeMs,
    checksums: part.extraChecksums,
  };
}

/** The composite checksum of each algorithm every chunk carries. */
function combinedChecksums(chunks: ManifestChunk[]): Record<string, string> {
  const result: Record<string, string> = {};
  const first = chunks[0];
  if (first === undefined) return result;
  for (const algorithm of Object.keys(first.extraChecksums)) {
    const values = chunks.map((chunk) => chunk.extraChecksums[algorithm]);
    if (!isChecksumAlgorithm(algorithm) || values.some((value) => value === undefined)) continue;
    result[algorithm] = compositeChecksum(algorithm, values as string[]);
  }
  return result;
}

/** A remote S3 error answer as the StoreError it stands for (the error table read backwards). */
function remoteError(status: number, text: string): StoreError {
  const parsed = parseS3ErrorXml(text);
  const match = Object.entries(errorTable).find(
    ([, form]) => form.s3Code === parsed?.code && (form.s3Status ?? form.status) === status,
  );
  if (match !== undefined && isErrorCode(match[0]))
    return new StoreError(match[0], parsed?.message ?? '');
  return new StoreError(
    'Internal',
    `copy source: owner answered ${status}: ${parsed?.message ?? text.slice(0, 200)}`,
  );
}
