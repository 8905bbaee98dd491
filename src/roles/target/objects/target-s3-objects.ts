// The S3 API's object port on the target that stores the key: reads, writes and deletes through the
// object service (S3's version IDs and delete markers on top), tags and multipart uploads through
// the local store; copy sources on other targets are fetched from their owner.
import { Readable } from 'node:stream';
import { errorTable, type ResolvedRange } from '../../../api/common/index.js';
import {
  combinePartChecksums,
  forwardedPath,
  forwardedRequestHeaders,
  uploadChecksumOf,
  objectInfoFromHeaders,
  parseS3ErrorXml,
  type S3DeleteOutcome,
  type S3ObjectBody,
  type S3ObjectAttributes,
  type S3ObjectInfo,
  type S3ObjectPort,
  type S3PartInfo,
  type S3PartWrite,
  type S3ReadRouting,
  type S3WriteRequest,
  checkWriteCondition,
  checkDeletable,
  checkRetentionChange,
  type S3ObjectLock,
  type S3Retention,
  type S3UploadChecksum,
  type WriteCondition,
  type S3CustomerKey,
  type S3Encryption,
  type S3EncryptionRequest,
  customerKeyHeaders,
} from '../../../api/s3/index.js';
import {
  decodeObjectAcl,
  encodeObjectAcl,
  type S3ObjectAcl,
} from '../../../api/s3/access/index.js';
import {
  lockOfNewVersion,
  objectLockConfigOf,
  requireObjectLock,
} from '../../common/s3-object-lock.js';
import { StoreError, isErrorCode, isStoreError } from '../../../errors/index.js';
import { objectAclMetadataKey } from '../../../wire/index.js';
import { activeLifecycleRules, currentVersionExpiry } from '../../../cluster/index.js';
import {
  encryptionRecordOf,
  plainSizeOf,
  type LocalStore,
  type ManifestChunk,
  type UploadChecksum,
  type DeleteGuard,
  type StoredObject,
  type WritePrecondition,
} from '../../../storage/index.js';
import {
  encryptBody,
  encryptionOf,
  plaintextView,
  storedSegments,
  withEncryptionRecord,
  type ObjectEncryption,
} from './object-encryption.js';
import type { ObjectService } from './object-service.js';
import type { ObjectRead, ResolvedBucket } from './object-types.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { forwardTimeoutMs, ownerOf, s3Bucket } from '../../common/s3-forwarding.js';
import { s3Settings } from '../../common/s3-settings.js';

/**
 * The S3 description of a stored object. In a bucket that keeps (or kept) history every version
 * has an ID, `null` for those written without one; elsewhere there are no version IDs.
 */
export function toS3Info(stored: StoredObject, versioned = false): S3ObjectInfo {
  const object = plaintextView(stored);
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
  if (versioned || object.versionId !== undefined) info.versionId = object.versionId ?? 'null';
  if (object.deleteMarker === true) info.deleteMarker = true;
  const acl = decodeObjectAcl(stored.customMetadata[objectAclMetadataKey]);
  if (acl !== undefined) info.acl = acl;
  const encryption = encryptionOf(encryptionRecordOf(stored.customMetadata));
  if (encryption !== undefined) info.encryption = encryption;
  if (object.retention !== undefined || object.legalHold === true) {
    info.lock = {};
    if (object.retention !== undefined) info.lock.retention = { ...object.retention };
    if (object.legalHold === true) info.lock.legalHold = true;
  }
  return info;
}

/** The current version's description with when the bucket's lifecycle rules expire it. */
function withExpiration(view: ResolvedBucket, info: S3ObjectInfo): S3ObjectInfo {
  const rules = activeLifecycleRules(view.props);
  if (rules.length === 0 || info.deleteMarker === true) return info;
  const subject = { key: info.key, size: info.size, tags: info.tags };
  const expiration = currentVersionExpiry(rules, subject, info.modifiedTimeMs);
  return expiration === undefined ? info : { ...info, expiration };
}

/** S3's unversioned buckets know one version of each object: `null` (or its native number). */
function checkVersion(versionId: string | undefined, object: StoredObject): void {
  if (versionId === undefined || versionId === 'null' || versionId === object.version) return;
  throw new StoreError('NoSuchVersion', 'The specified version does not exist.');
}

/**
 * The latest version, read in place of an unreachable owner: a read of another version cannot be
 * served (kept versions live only on their owner), and says why rather than claiming it is absent.
 */
function substituteInfo(
  view: ResolvedBucket,
  object: StoredObject,
  versionId: string | undefined,
): S3ObjectInfo {
  const info = toS3Info(object, view.versioned);
  if (versionId !== undefined && versionId !== info.versionId && versionId !== object.version) {
    throw new StoreError(
      'PeerUnreachable',
      'The target that stores this version is unreachable; only the latest version can be read now.',
    );
  }
  return info;
}

/** The body of a delete marker: nothing (handlers answer before sending it). */
const emptyBody: S3ObjectBody = {
  sendTo: () => Promise.resolve(),
  discard: () => Promise.resolve(),
  toStream: () => Readable.from([]),
};

export class TargetS3Objects implements S3ObjectPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly objects: ObjectService,
    private readonly encryption: ObjectEncryption,
  ) {}

  private get store(): LocalStore {
    return this.objects.store;
  }

  #bucket(name: string): ResolvedBucket {
    return this.objects.resolve(s3Bucket(name));
  }

  head(
    bucketName: string,
    key: string,
    versionId: string | undefined,
    routing?: S3ReadRouting,
    keyCheck?: { customerKey: S3CustomerKey | undefined },
  ): Promise<S3ObjectInfo> {
    if (keyCheck === undefined) return this.#describe(bucketName, key, versionId, routing);
    return this.#describe(bucketName, key, versionId, routing, (info, object) =>
      this.#keyChecked(info, object, keyCheck.customerKey),
    );
  }

  /** The description of an object or version; `check` sees it with its record (the key check). */
  async #describe(
    bucketName: string,
    key: string,
    versionId: string | undefined,
    routing?: S3ReadRouting,
    check: (info: S3ObjectInfo, object: StoredObject) => S3ObjectInfo = (info) => info,
  ): Promise<S3ObjectInfo> {
    const view = this.#bucket(bucketName);
    const target = { bucket: view, name: key };
    if (routing?.substituteFor !== undefined) {
      const object = await this.objects.head(target, routing);
      return check(substituteInfo(view, object, versionId), object);
    }
    try {
      const object = await this.objects.head(target, { versionId });
      // Unversioned buckets check the ID against what they hold; versioned ones looked it up.
      if (!view.versioned) checkVersion(versionId, object);
      const info = check(toS3Info(object, view.versioned), object);
      return versionId === undefined ? withExpiration(view, info) : info;
    } catch (error) {
      if (!view.versioned) throw error;
      return await this.#latestDeleteMarker(view, key, versionId, error);
    }
  }

  /** The description of a read that gave `customerKey`, refused unless that key opens the object. */
  #keyChecked(
    info: S3ObjectInfo,
    object: StoredObject,
    customerKey: S3CustomerKey | undefined,
  ): S3ObjectInfo {
    const record = encryptionRecordOf(object.customMetadata);
    this.encryption.check(record, customerKey);
    const encryption = encryptionOf(record, customerKey);
    return encryption === undefined ? info : { ...info, encryption };
  }

  /**
   * A read of the latest version found no object: when a delete marker is the latest, its
   * description (the API answers 404 with `x-amz-delete-marker`); else the error is rethrown.
   */
  async #latestDeleteMarker(
    view: ResolvedBucket,
    key: string,
    versionId: string | undefined,
    error: unknown,
  ): Promise<S3ObjectInfo> {
    if (versionId !== undefined || !isStoreError(error) || error.code !== 'ObjectNotFound') {
      throw error;
    }
    const latest = await this.store.latestVersion(view.bucket, key);
    if (latest?.deleteMarker !== true) throw error;
    return toS3Info(latest, true);
  }

  async get(
    bucketName: string,
    key: string,
    versionId: string | undefined,
    rangeHeader: string | undefined,
    routing?: S3ReadRouting,
    customerKey?: S3CustomerKey,
  ): Promise<{ info: S3ObjectInfo; body: S3ObjectBody; range: ResolvedRange | undefined }> {
    const view = this.#bucket(bucketName);
    const target = { bucket: view, name: key };
    const substitute = routing?.substituteFor !== undefined;
    let read: ObjectRead;
    try {
      read = await this.encryption.read(
        (header) => this.objects.get(target, header, substitute ? routing : { versionId }),
        rangeHeader,
        customerKey,
        (object) => storedSegments(this.store, view.bucket, object),
      );
    } catch (error) {
      if (!view.versioned || substitute) throw error;
      const info = await this.#latestDeleteMarker(view, key, versionId, error);
      return { info, body: emptyBody, range: undefined };
    }
    try {
      const described = this.#keyChecked(
        substitute
          ? substituteInfo(view, read.object, versionId)
          : toS3Info(read.object, view.versioned),
        read.object,
        customerKey,
      );
      const info =
        !substitute && versionId === undefined ? withExpiration(view, described) : described;
      if (!substitute && !view.versioned) checkVersion(versionId, read.object);
      return { info, body: read.body, range: read.range };
    } catch (error) {
      await read.body.discard();
      throw error;
    }
  }

  async objectParts(
    bucketName: string,
    key: string,
    versionId: string | undefined,
  ): Promise<{ info: S3ObjectInfo; parts: S3PartInfo[] | undefined }> {
    const view = this.#bucket(bucketName);
    let object: StoredObject;
    try {
      object = await this.objects.head({ bucket: view, name: key }, { versionId });
    } catch (error) {
      if (!view.versioned) throw error;
      return {
        info: await this.#latestDeleteMarker(view, key, versionId, error),
        parts: undefined,
      };
    }
    if (!view.versioned) checkVersion(versionId, object);
    const info = toS3Info(object, view.versioned);
    if (object.chunkSet === undefined) return { info, parts: undefined };
    const layout = await this.store.chunkLayout(view.bucket, object.chunkSet);
    if (layout === undefined)
      throw new StoreError(
        'ObjectNotFound',
        'The parts of the object are gone (overwritten meanwhile)',
      );
    const encrypted = info.encryption !== undefined;
    const parts = layout.chunks.map((chunk) => ({
      partNumber: chunk.number,
      size: encrypted ? plainSizeOf(chunk.sizeBytes) : chunk.sizeBytes,
      etag: chunk.etag,
      modifiedTimeMs: object.modifiedTimeMs,
      checksums: chunk.extraChecksums,
    }));
    return { info, parts };
  }

  async openSource(
    bucket: string,
    key: string,
    versionId: string | undefined,
    rangeHeader: string | undefined,
    customerKey?: S3CustomerKey,
  ): Promise<{ info: S3ObjectInfo; body: Readable; range: ResolvedRange | undefined }> {
    if (ownerOf(this.runtime, bucket, key).id !== this.runtime.id) {
      try {
        return await this.#fetchRemote(bucket, key, versionId, rangeHeader, customerKey);
      } catch (error) {
        // The owner refuses a GET of a delete marker by version ID with 405.
        if (isStoreError(error) && error.code === 'MethodNotAllowed') refuseMarkerSource(versionId);
        throw error;
      }
    }
    const { info, body, range } = await this.get(
      bucket,
      key,
      versionId,
      rangeHeader,
      undefined,
      customerKey,
    );
    if (info.deleteMarker === true) refuseMarkerSource(versionId);
    return { info, body: body.toStream(), range };
  }

  /** GET from the owner's intra port, as a forwarded request (its answer carries every attribute). */
  async #fetchRemote(
    bucket: string,
    key: string,
    versionId: string | undefined,
    rangeHeader: string | undefined,
    customerKey: S3CustomerKey | undefined,
  ): Promise<{ info: S3ObjectInfo; body: Readable; range: ResolvedRange | undefined }> {
    const owner = ownerOf(this.runtime, bucket, key);
    const query = versionId === undefined ? '' : `?versionId=${encodeURIComponent(versionId)}`;
    const headers = forwardedRequestHeaders(this.runtime.id, key);
    if (rangeHeader !== undefined) headers.range = rangeHeader;
    // The owner decrypts: it is given the source's key as a read's key.
    if (customerKey !== undefined) Object.assign(headers, customerKeyHeaders(customerKey));
    const response = await this.runtime.client.stream(
      `${owner.dataUrl}${forwardedPath(bucket, key)}${query}`,
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

  /**
   * A conditional write's check on arrival (before any byte is stored), and the same check to run
   * under the write lock at the commit (see api/s3/write-conditions.ts).
   */
  async #precondition(
    view: ResolvedBucket,
    key: string,
    condition: WriteCondition | undefined,
  ): Promise<{ precondition?: WritePrecondition }> {
    if (condition === undefined) return {};
    let current: S3ObjectInfo | undefined;
    try {
      current = await this.#describe(view.bucket.name, key, undefined);
    } catch (error) {
      if (!isStoreError(error) || error.code !== 'ObjectNotFound') throw error;
    }
    checkWriteCondition(condition, current, 'arrival');
    const versioned = view.versioned;
    return {
      precondition: (object) => {
        checkWriteCondition(
          condition,
          object === undefined ? undefined : toS3Info(object, versioned),
          'commit',
        );
      },
    };
  }

  async put(request: S3WriteRequest): Promise<S3ObjectInfo> {
    const view = this.#bucket(request.bucket);
    const { bucket, props, history, versioned } = view;
    const condition = await this.#precondition(view, request.key, request.condition);
    const lock = lockOfNewVersion(props, request.lock, this.runtime.clock.nowMs());
    const sse = this.encryption.start(request.encryption, props);
    // The encryption record holds the plaintext size, written before the bytes arrive.
    if (sse !== undefined && request.contentLength === undefined) {
      throw new StoreError(
        'NotImplemented',
        'server-side encryption of a POST Object form upload (no length in advance) is not implemented yet',
      );
    }
    const encrypted =
      sse === undefined || request.contentLength === undefined
        ? undefined
        : encryptBody(
            sse.objectKey,
            request.body,
            request.contentLength,
            etagIsCipherMd5(sse.encryption),
          );
    const object = await this.objects.put(view, {
      ...condition,
      ...lock,
      bucket,
      name: request.key,
      body: encrypted?.body ?? request.body,
      ...(encrypted !== undefined
        ? { contentLength: encrypted.contentLength }
        : request.contentLength === undefined
          ? {}
          : { contentLength: request.contentLength }),
      checksumType: props.checksum.type,
      customMetadata: withEncryptionRecord(
        request.userMetadata,
        sse === undefined || request.contentLength === undefined
          ? undefined
          : { ...sse.record, plainBytes: request.contentLength },
      ),
      contentHeaders: request.contentHeaders,
      tags: request.tags,
      versioning: props.versioning.enabled,
      history,
      finish: async () => {
        const { etag, checksums } = await request.finish();
        return { etag: sseEtag(sse?.encryption, etag, encrypted), extraChecksums: checksums };
      },
    });
    const info = withExpiration(view, toS3Info(object, versioned));
    return sse === undefined ? info : { ...info, encryption: sse.encryption };
  }

  async delete(
    bucketName: string,
    key: string,
    versionId: string | undefined,
    bypassGovernance = false,
  ): Promise<S3DeleteOutcome> {
    const view = this.#bucket(bucketName);
    const target = { bucket: view, name: key };
    if (!view.versioned) {
      if (versionId !== undefined) await this.#describe(bucketName, key, versionId);
      await this.objects.delete(target);
      return { deleteMarker: false };
    }
    // Only a delete by version ID removes data; a delete marker hides it and removes nothing.
    const locked = objectLockConfigOf(view.props) !== undefined;
    if (locked && versionId !== undefined) {
      // Refused before a rebalance is told of the delete; the guard decides under the lock.
      const version = await this.#describe(bucketName, key, versionId).catch(() => undefined);
      const lock = version?.lock;
      if (lock !== undefined) checkDeletable(lock, this.runtime.clock.nowMs(), bypassGovernance);
    }
    const guard: DeleteGuard | undefined =
      locked && versionId !== undefined
        ? (version) => {
            const lock = { retention: version.retention, legalHold: version.legalHold };
            checkDeletable(lock, this.runtime.clock.nowMs(), bypassGovernance);
          }
        : undefined;
    return await this.objects.delete(target, versionId, guard);
  }

  async setRetention(
    bucket: string,
    key: string,
    versionId: string | undefined,
    retention: S3Retention | undefined,
    bypassGovernance: boolean,
  ): Promise<S3ObjectInfo> {
    const view = this.#bucket(bucket);
    requireObjectLock(view.props);
    const object = await this.objects.setObjectLock(
      { bucket: view, name: key },
      versionId,
      (current) => {
        checkRetentionChange(
          current.retention,
          retention,
          this.runtime.clock.nowMs(),
          bypassGovernance,
        );
        return { ...current, retention };
      },
    );
    return toS3Info(object, view.versioned);
  }

  async setLegalHold(
    bucket: string,
    key: string,
    versionId: string | undefined,
    on: boolean,
  ): Promise<S3ObjectInfo> {
    const view = this.#bucket(bucket);
    requireObjectLock(view.props);
    const object = await this.objects.setObjectLock(
      { bucket: view, name: key },
      versionId,
      (current) => ({ ...current, legalHold: on ? true : undefined }),
    );
    return toS3Info(object, view.versioned);
  }

  async setTags(
    bucket: string,
    key: string,
    versionId: string | undefined,
    tags: Record<string, string>,
  ): Promise<S3ObjectInfo> {
    const view = this.#bucket(bucket);
    const target = { bucket: view, name: key };
    if (!view.versioned) {
      if (versionId !== undefined) await this.#describe(bucket, key, versionId);
      return toS3Info(await this.objects.setTags(target, tags));
    }
    return toS3Info(await this.objects.setTags(target, tags, versionId), true);
  }

  async setAcl(
    bucket: string,
    key: string,
    versionId: string | undefined,
    acl: S3ObjectAcl,
  ): Promise<S3ObjectInfo> {
    const view = this.#bucket(bucket);
    const target = { bucket: view, name: key };
    const record = { [objectAclMetadataKey]: encodeObjectAcl(acl) };
    if (!view.versioned && versionId !== undefined) await this.#describe(bucket, key, versionId);
    const version = view.versioned ? versionId : undefined;
    return toS3Info(
      await this.objects.setCustomMetadata(target, record, false, version),
      view.versioned,
    );
  }

  async createUpload(
    bucket: string,
    key: string,
    attributes: S3ObjectAttributes,
    lock?: S3ObjectLock,
    checksum?: S3UploadChecksum,
    encryption?: S3EncryptionRequest,
  ): Promise<{ uploadId: string; encryption: S3Encryption | undefined }> {
    const view = this.#bucket(bucket);
    // The lock asked for now; without one the completion applies the bucket's default.
    if (lock !== undefined) requireObjectLock(view.props);
    // The upload's key is sealed in its record; each part is encrypted with it as it arrives.
    const sse = this.encryption.start(encryption, view.props);
    const uploadId = await this.store.createUpload(view.bucket, key, {
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
    const { bucket, props } = this.#bucket(request.bucket);
    await this.objects.space.require(
      `part ${request.partNumber} of ${request.bucket}/${request.key}`,
    );
    const upload = await this.store.uploadAttributes(bucket, request.key, request.uploadId);
    const record = encryptionRecordOf(upload.customMetadata);
    const objectKey = this.encryption.open(record, request.customerKey);
    const encryption = encryptionOf(record, request.customerKey);
    const encrypted =
      objectKey === undefined
        ? undefined
        : encryptBody(objectKey, request.body, request.contentLength, etagIsCipherMd5(encryption));
    const part = await this.store.uploadPart({
      bucket,
      name: request.key,
      uploadId: request.uploadId,
      partNumber: request.partNumber,
      body: encrypted?.body ?? request.body,
      contentLength: encrypted?.contentLength ?? request.contentLength,
      checksumType: props.checksum.type,
      finish: async () => {
        const { etag, checksums } = await request.finish();
        return { etag: sseEtag(encryption, etag, encrypted), extraChecksums: checksums };
      },
    });
    const info = toPartInfo(part, record !== undefined);
    return encryption === undefined ? info : { ...info, encryption };
  }

  async listParts(bucket: string, key: string, uploadId: string): Promise<S3PartInfo[]> {
    const view = this.#bucket(bucket);
    const upload = await this.store.uploadAttributes(view.bucket, key, uploadId);
    const encrypted = encryptionRecordOf(upload.customMetadata) !== undefined;
    const parts = await this.store.listParts(view.bucket, key, uploadId);
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
    const view = this.#bucket(bucketName);
    const { bucket, props, history, versioned } = view;
    const condition = await this.#precondition(view, key, writeCondition);
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
    return this.store.abortUpload(this.#bucket(bucket).bucket, key, uploadId);
  }
}

/**
 * Whether an encrypted write's ETag is the MD5 of the stored bytes: SSE-C's is (it says nothing
 * about the plaintext); SSE-S3 keeps the plaintext's MD5 (as AWS).
 */
function etagIsCipherMd5(encryption: S3Encryption | undefined): boolean {
  return encryption?.kind === 'SSE-C';
}

function sseEtag(
  encryption: S3Encryption | undefined,
  plainEtag: string,
  encrypted: { cipherMd5(): string } | undefined,
): string {
  return etagIsCipherMd5(encryption) && encrypted !== undefined ? encrypted.cipherMd5() : plainEtag;
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

/** A remote S3 error answer as the StoreError it stands for (the error table read backwards). */
/** S3: a delete marker is no copy source (absent as the latest version, invalid by version ID). */
function refuseMarkerSource(versionId: string | undefined): never {
  if (versionId !== undefined) {
    throw new StoreError(
      'BadRequest',
      'The source of a copy request may not specifically refer to a delete marker by version id.',
    );
  }
  throw new StoreError('ObjectNotFound', 'The specified key does not exist.');
}

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
