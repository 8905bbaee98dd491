// A target's share of S3 listings (objects, versions, uploads), which gateways request through the
// intra-cluster port and merge. Every other bucket operation belongs to gateways.
import type {
  S3BucketPort,
  S3ListEntry,
  S3ListPage,
  S3ListRequest,
  S3UploadEntry,
  S3UploadListRequest,
  S3UploadPage,
  S3VersionEntry,
  S3VersionListRequest,
  S3VersionPage,
} from '../../api/s3/index.js';
import { StoreError } from '../../errors/index.js';
import type { ListedVersion, LocalStore } from '../../storage/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import { bucketAccessOf, isKnownS3User, s3UserIdByEmail } from '../common/auth/s3-bucket-access.js';
import type { BucketJson, S3AccessPropsJson } from '../../wire/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { s3Bucket } from '../common/s3-forwarding.js';
import { rollUp } from '../common/s3-listing.js';
import { ListSessions, type ListWalk } from './list-sessions.js';
import { toS3Info } from './objects/s3/s3-object-info.js';

function toVersionEntry(version: ListedVersion): S3VersionEntry {
  const info = toS3Info(version, true);
  return {
    key: info.key,
    size: info.size,
    etag: info.etag,
    modifiedTimeMs: info.modifiedTimeMs,
    versionId: info.versionId ?? 'null',
    isLatest: version.isLatest,
    deleteMarker: version.deleteMarker === true,
  };
}

function gatewayOnly(): never {
  throw new StoreError('NotImplemented', 'bucket-level S3 requests are served by gateways');
}

export class TargetS3Buckets implements S3BucketPort {
  readonly #sessions = new ListSessions<S3ListEntry>((entry) => entry.key);

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
    /** Resolves once the bucket may be listed here (see TargetBuckets' `ready`). */
    private readonly ready: (bucket: BucketJson) => Promise<void>,
  ) {}

  async listObjects(bucketName: string, request: S3ListRequest): Promise<S3ListPage> {
    const bucket = s3Bucket(bucketName);
    // Waits first: a target back from being away may not know the bucket yet.
    await this.ready(bucket);
    lookupBucket(this.runtime, bucket);
    const key = JSON.stringify([bucket, request.prefix]);
    const walk: ListWalk<S3ListEntry> = async (startAfter, limit) => {
      const objects = await this.store.listObjects(bucket, {
        prefix: request.prefix,
        startAfter,
        limit,
        withMetadata: true,
      });
      const entries = objects.map((object) => {
        const info = toS3Info(object);
        return {
          key: info.key,
          size: info.size,
          etag: info.etag,
          modifiedTimeMs: info.modifiedTimeMs,
        };
      });
      return {
        entries,
        readTo: entries.length < limit ? undefined : entries[entries.length - 1]?.key,
      };
    };
    return rollUp<S3ListEntry>(request, (startAfter, limit) =>
      this.#sessions.page(request.session ?? '', key, startAfter, limit, walk, {
        keepAfter: request.startAfter,
      }),
    );
  }

  /**
   * Versions in key order, each key's newest first (in buckets that never kept history, every
   * object is its only version, `null`). After a version-ID marker, the rest of that key's
   * versions come first.
   */
  async listObjectVersions(
    bucketName: string,
    request: S3VersionListRequest,
  ): Promise<S3VersionPage> {
    const bucket = s3Bucket(bucketName);
    // Waits first: a target back from being away may not know the bucket yet.
    await this.ready(bucket);
    lookupBucket(this.runtime, bucket);
    const rest = await this.#versionsAfterMarker(bucket, request);
    if (rest.length >= request.maxKeys && request.maxKeys > 0) {
      return { entries: rest.slice(0, request.maxKeys), commonPrefixes: [], truncated: true };
    }
    const page = await rollUp<S3VersionEntry>(
      { ...request, maxKeys: request.maxKeys - rest.length },
      async (startAfter, limit) => {
        const versions = await this.store.listVersions(bucket, {
          prefix: request.prefix,
          startAfter,
          limit,
        });
        return versions.map(toVersionEntry);
      },
    );
    return { ...page, entries: [...rest, ...page.entries] };
  }

  async #versionsAfterMarker(
    bucket: { name: string; provider: string },
    request: S3VersionListRequest,
  ): Promise<S3VersionEntry[]> {
    if (request.versionIdMarker === '' || request.startAfter === '') return [];
    if (!request.startAfter.startsWith(request.prefix)) return [];
    // The marker's key is the first name with itself as prefix.
    const versions = await this.store.listVersions(bucket, {
      prefix: request.startAfter,
      startAfter: '',
      limit: 1,
    });
    const entries = versions
      .filter((version) => version.name === request.startAfter)
      .map(toVersionEntry);
    const index = entries.findIndex((entry) => entry.versionId === request.versionIdMarker);
    return index < 0 ? [] : entries.slice(index + 1);
  }

  /**
   * Uploads in key order, each key's oldest first. After an upload-ID marker, the rest of that
   * key's uploads come first (a page may end between two uploads of one key).
   */
  async listUploads(bucketName: string, request: S3UploadListRequest): Promise<S3UploadPage> {
    const bucket = s3Bucket(bucketName);
    lookupBucket(this.runtime, bucket);
    const uploads: S3UploadEntry[] = (
      await this.store.uploads.listUploads(bucket, { prefix: request.prefix, startAfter: '' })
    ).map((upload) => ({
      key: upload.name,
      uploadId: upload.uploadId,
      initiatedMs: upload.createdMs,
    }));
    const ofMarkerKey = uploads.filter(
      (upload) => request.uploadIdMarker !== '' && upload.key === request.startAfter,
    );
    const marker = ofMarkerKey.findIndex((upload) => upload.uploadId === request.uploadIdMarker);
    const rest = marker < 0 ? [] : ofMarkerKey.slice(marker + 1);
    if (rest.length >= request.maxKeys && request.maxKeys > 0) {
      return { uploads: rest.slice(0, request.maxKeys), commonPrefixes: [], truncated: true };
    }
    const page = await rollUp(
      { ...request, maxKeys: request.maxKeys - rest.length },
      (startAfter) => Promise.resolve(uploads.filter((upload) => upload.key > startAfter)),
    );
    return {
      uploads: [...rest, ...page.entries],
      commonPrefixes: page.commonPrefixes,
      truncated: page.truncated,
    };
  }

  listBuckets(): never {
    return gatewayOnly();
  }
  createBucket(): never {
    return gatewayOnly();
  }
  deleteBucket(): never {
    return gatewayOnly();
  }
  headBucket(): never {
    return gatewayOnly();
  }
  getVersioning(): never {
    return gatewayOnly();
  }
  setVersioning(): never {
    return gatewayOnly();
  }
  deleteObjects(): never {
    return gatewayOnly();
  }
  getObjectLock(): never {
    return gatewayOnly();
  }
  setObjectLock(): never {
    return gatewayOnly();
  }
  getLifecycle(): never {
    return gatewayOnly();
  }
  setLifecycle(): never {
    return gatewayOnly();
  }
  getEncryption(): never {
    return gatewayOnly();
  }
  setEncryption(): never {
    return gatewayOnly();
  }
  getTags(): never {
    return gatewayOnly();
  }
  setTags(): never {
    return gatewayOnly();
  }

  setAccess(): never {
    return gatewayOnly();
  }

  /** Object ACL requests are served here: they read the bucket's owner. */
  getAccess(bucket: string): S3AccessPropsJson {
    return bucketAccessOf(this.runtime, bucket);
  }

  isKnownUser(id: string): boolean {
    return isKnownS3User(this.runtime, id);
  }

  userIdByEmail(email: string): string | undefined {
    return s3UserIdByEmail(this.runtime, email);
  }
}
