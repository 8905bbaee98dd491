// A target's share of S3 listings (objects, versions, uploads), which gateways request through the
// intra-cluster port and merge. Every other bucket operation belongs to gateways.
import type {
  S3BucketPort,
  S3ListEntry,
  S3ListPage,
  S3ListRequest,
  S3UploadPage,
  S3VersionEntry,
  S3VersionListRequest,
  S3VersionPage,
} from '../../api/s3/index.js';
import { StoreError } from '../../errors/index.js';
import type { LocalStore } from '../../storage/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { s3Bucket } from '../common/s3-forwarding.js';
import { rollUp } from '../common/s3-listing.js';
import { toS3Info } from './target-s3-objects.js';

function gatewayOnly(): never {
  throw new StoreError('NotImplemented', 'bucket-level S3 requests are served by gateways');
}

export class TargetS3Buckets implements S3BucketPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
  ) {}

  listObjects(bucketName: string, request: S3ListRequest): Promise<S3ListPage> {
    const bucket = s3Bucket(bucketName);
    lookupBucket(this.runtime, bucket);
    return rollUp<S3ListEntry>(request, async (startAfter, limit) => {
      const objects = await this.store.listObjects(bucket, {
        prefix: request.prefix,
        startAfter,
        limit,
        withMetadata: true,
      });
      return objects.map((object) => {
        const info = toS3Info(object);
        return {
          key: info.key,
          size: info.size,
          etag: info.etag,
          modifiedTimeMs: info.modifiedTimeMs,
        };
      });
    });
  }

  /** Unversioned buckets: every object is its only (`null`) version. */
  async listObjectVersions(bucket: string, request: S3VersionListRequest): Promise<S3VersionPage> {
    // A version-ID marker means "after this version of the key": with one version per key, that
    // is after the key.
    const page = await this.listObjects(bucket, request);
    return {
      ...page,
      entries: page.entries.map((entry): S3VersionEntry => ({
        ...entry,
        versionId: 'null',
        isLatest: true,
        deleteMarker: false,
      })),
    };
  }

  async listUploads(bucketName: string, request: S3ListRequest): Promise<S3UploadPage> {
    const bucket = s3Bucket(bucketName);
    lookupBucket(this.runtime, bucket);
    const uploads = await this.store.listUploads(bucket, {
      prefix: request.prefix,
      startAfter: '',
    });
    const page = await rollUp(request, (startAfter) =>
      Promise.resolve(
        uploads
          .filter((upload) => upload.name > startAfter)
          .map((upload) => ({
            key: upload.name,
            uploadId: upload.uploadId,
            initiatedMs: upload.createdMs,
          })),
      ),
    );
    return {
      uploads: page.entries,
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
}
