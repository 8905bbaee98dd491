// The S3 API's object port on the target that stores the key: reads, writes and deletes through the
// object service (S3's version IDs and delete markers on top), tags through the local store,
// multipart uploads in s3-uploads.ts; copy sources on other targets are fetched from their owner.
import { Readable } from 'node:stream';
import { errorTable, type ResolvedRange } from '../../../../api/common/index.js';
import {
  forwardedPath,
  forwardedRequestHeaders,
  objectInfoFromHeaders,
  parseS3ErrorXml,
  type S3DeleteOutcome,
  type S3ObjectBody,
  type S3ObjectInfo,
  type S3ObjectPort,
  type S3PartInfo,
  type S3ReadRouting,
  type S3WriteRequest,
  checkWriteCondition,
  checkDeletable,
  checkRetentionChange,
  type S3Retention,
  type WriteCondition,
  type S3CustomerKey,
  customerKeyHeaders,
} from '../../../../api/s3/index.js';
import { encodeObjectAcl, type S3ObjectAcl } from '../../../../api/s3/access/index.js';
import {
  lockOfNewVersion,
  objectLockConfigOf,
  requireObjectLock,
} from '../../../common/s3-object-lock.js';
import { StoreError, isErrorCode, isStoreError } from '../../../../errors/index.js';
import { objectAclMetadataKey } from '../../../../wire/index.js';
import {
  encryptionRecordOf,
  plainSizeOf,
  type LocalStore,
  type DeleteGuard,
  type StoredObject,
  type WritePrecondition,
} from '../../../../storage/index.js';
import {
  encryptBody,
  encryptionOf,
  storedSegments,
  withEncryptionRecord,
  type ObjectEncryption,
} from '../object-encryption.js';
import type { ObjectService } from '../object-service.js';
import type { ObjectRead, ResolvedBucket } from '../object-types.js';
import type { NodeRuntime } from '../../../common/node-runtime.js';
import { etagIsCipherMd5, sseEtag, toS3Info, withExpiration } from './s3-object-info.js';
import { S3Uploads } from './s3-uploads.js';
import { forwardTimeoutMs, ownerOf, s3Bucket } from '../../../common/s3-forwarding.js';

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
  // Multipart uploads: s3-uploads.ts.
  readonly createUpload: S3ObjectPort['createUpload'];
  readonly uploadPart: S3ObjectPort['uploadPart'];
  readonly listParts: S3ObjectPort['listParts'];
  readonly completeUpload: S3ObjectPort['completeUpload'];
  readonly abortUpload: S3ObjectPort['abortUpload'];

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly objects: ObjectService,
    private readonly encryption: ObjectEncryption,
  ) {
    const uploads = new S3Uploads(
      runtime,
      objects,
      encryption,
      (bucket) => this.#bucket(bucket),
      (view, key, condition) => this.#precondition(view, key, condition),
    );
    this.createUpload = (...args) => uploads.createUpload(...args);
    this.uploadPart = (...args) => uploads.uploadPart(...args);
    this.listParts = (...args) => uploads.listParts(...args);
    this.completeUpload = (...args) => uploads.completeUpload(...args);
    this.abortUpload = (...args) => uploads.abortUpload(...args);
  }

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
    const layout = await this.store.uploads.chunkLayout(view.bucket, object.chunkSet);
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
      offloadDigests: request.offloadDigests,
      finish: async () => {
        const { etag, checksums } = await request.finish();
        return { etag: sseEtag(sse?.encryption, etag, encrypted), extraChecksums: checksums };
      },
    });
    const info = withExpiration(view, toS3Info(object, versioned));
    return sse === undefined ? info : { ...info, encryption: sse.encryption };
  }

  /**
   * `precondition` (the lifecycle job's): checks the current object under its write lock before a
   * delete without a version ID removes or hides it; throwing keeps it.
   */
  async delete(
    bucketName: string,
    key: string,
    versionId: string | undefined,
    bypassGovernance = false,
    precondition?: WritePrecondition,
  ): Promise<S3DeleteOutcome> {
    const view = this.#bucket(bucketName);
    const target = { bucket: view, name: key };
    if (!view.versioned) {
      if (versionId !== undefined) await this.#describe(bucketName, key, versionId);
      await this.objects.delete(target, undefined, undefined, precondition);
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
    return await this.objects.delete(target, versionId, guard, precondition);
  }

  async setRetention(
    bucket: string,
    key: string,
    versionId: string | undefined,
    retention: S3Retention | undefined,
    bypassGovernance: boolean,
  ): Promise<S3ObjectInfo> {
    return await this.#changeLock(bucket, key, versionId, (current) => {
      checkRetentionChange(
        current.retention,
        retention,
        this.runtime.clock.nowMs(),
        bypassGovernance,
      );
      return { ...current, retention };
    });
  }

  async setLegalHold(
    bucket: string,
    key: string,
    versionId: string | undefined,
    on: boolean,
  ): Promise<S3ObjectInfo> {
    return await this.#changeLock(bucket, key, versionId, (current) => ({
      ...current,
      legalHold: on ? true : undefined,
    }));
  }

  /** Retention and legal hold: one version's lock changed by `change`, in a bucket with object lock. */
  async #changeLock(
    bucket: string,
    key: string,
    versionId: string | undefined,
    change: Parameters<ObjectService['setObjectLock']>[2],
  ): Promise<S3ObjectInfo> {
    const view = this.#bucket(bucket);
    requireObjectLock(view.props);
    const object = await this.objects.setObjectLock({ bucket: view, name: key }, versionId, change);
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
}

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
