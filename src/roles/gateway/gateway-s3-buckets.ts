// S3 bucket operations on a gateway: buckets from bucket metadata, changes through the primary's
// control plane, listings fanned out to every target and merged, batch deletes sent to the owners.
import {
  forwardedPath,
  forwardedRequestHeaders,
  ForwardHeader,
  internalListPath,
  parseS3ErrorXml,
  type InternalListKind,
  type S3BucketInfo,
  type S3BucketPort,
  type S3DeleteResult,
  type S3ListPage,
  type S3ListRequest,
  type S3UploadEntry,
  type S3UploadListRequest,
  type S3UploadPage,
  type S3VersionListRequest,
  type S3VersionPage,
  type VersioningStatus,
  bypassGovernanceHeader,
  type S3ObjectLockConfig,
} from '../../api/s3/index.js';
import { objectLockConfigOf } from '../common/s3-object-lock.js';
import type { ClusterOwner } from '../../cluster/index.js';
import { StoreError } from '../../errors/index.js';
import { mapBounded } from '../../storage/io/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardTimeoutMs, ownerOf, s3Bucket } from '../common/s3-forwarding.js';
import { mergeRolledUp } from '../common/s3-listing.js';
import {
  Action,
  apiPath,
  keptHistoryOf,
  Resource,
  type ActionMessage,
  type BucketPropsUpdateJson,
  type LifecycleJson,
  type SsePropsJson,
  type S3AccessPropsJson,
} from '../../wire/index.js';
import { bucketAccessOf, isKnownS3User, s3UserIdByEmail } from '../common/auth/s3-bucket-access.js';

/** A change of bucket metadata, made by the primary. */
type BucketChange =
  | { kind: 'create'; update?: BucketPropsUpdateJson }
  | { kind: 'destroy' }
  | { kind: 'props'; update: BucketPropsUpdateJson };

/** Keys of one DeleteObjects request deleted at the same time. */
const deleteConcurrency = 16;

export class GatewayS3Buckets implements S3BucketPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly owner: () => ClusterOwner | undefined,
  ) {}

  listBuckets(): S3BucketInfo[] {
    const listed = this.runtime.store.bucketMetadata?.list('ais') ?? [];
    // A bucket being renamed is gone already (see bucket-lookup.ts).
    return listed
      .filter((entry) => entry.props.renamed_to === undefined)
      .map((entry) => ({
        name: entry.bucket.name,
        createdMs: Number(BigInt(entry.props.created) / 1_000_000n),
      }));
  }

  async createBucket(
    bucket: string,
    _context: unknown,
    objectLock = false,
    access?: S3AccessPropsJson,
  ): Promise<void> {
    // Object lock keeps every version: the bucket is created versioned.
    const update: BucketPropsUpdateJson = {
      ...(objectLock
        ? {
            versioning: { history: 'enabled' },
            object_lock: { enabled: true, mode: '', days: 0, years: 0 },
          }
        : {}),
      ...(access === undefined ? {} : { s3_access: access }),
    };
    await this.#control(bucket, {
      kind: 'create',
      ...(Object.keys(update).length === 0 ? {} : { update }),
    });
  }

  getAccess(bucket: string): S3AccessPropsJson {
    return bucketAccessOf(this.runtime, bucket);
  }

  async setAccess(bucket: string, access: S3AccessPropsJson): Promise<void> {
    await this.#control(bucket, { kind: 'props', update: { s3_access: access } });
  }

  isKnownUser(id: string): boolean {
    return isKnownS3User(this.runtime, id);
  }

  userIdByEmail(email: string): string | undefined {
    return s3UserIdByEmail(this.runtime, email);
  }

  getObjectLock(bucket: string): S3ObjectLockConfig | undefined {
    return objectLockConfigOf(lookupBucket(this.runtime, s3Bucket(bucket)).props);
  }

  async setObjectLock(bucket: string, config: S3ObjectLockConfig): Promise<void> {
    const { props } = lookupBucket(this.runtime, s3Bucket(bucket));
    if (props.object_lock?.enabled !== true && keptHistoryOf(props) !== 'enabled') {
      throw new StoreError(
        'InvalidBucketState',
        "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
      );
    }
    const { rule } = config;
    const object_lock = {
      enabled: true,
      mode: rule?.mode ?? '',
      days: rule?.days ?? 0,
      years: rule?.years ?? 0,
    };
    await this.#control(bucket, { kind: 'props', update: { object_lock } });
  }

  getLifecycle(bucket: string): LifecycleJson | undefined {
    const { lifecycle } = lookupBucket(this.runtime, s3Bucket(bucket)).props;
    return lifecycle === undefined || lifecycle.rules.length === 0 ? undefined : lifecycle;
  }

  async setLifecycle(bucket: string, lifecycle: LifecycleJson): Promise<void> {
    await this.#control(bucket, { kind: 'props', update: { lifecycle } });
  }

  getEncryption(bucket: string): SsePropsJson | undefined {
    const { sse } = lookupBucket(this.runtime, s3Bucket(bucket)).props;
    return sse === undefined || sse.algorithm === '' ? undefined : sse;
  }

  async setEncryption(bucket: string, sse: SsePropsJson): Promise<void> {
    await this.#control(bucket, { kind: 'props', update: { sse } });
  }

  getTags(bucket: string): Record<string, string> {
    return lookupBucket(this.runtime, s3Bucket(bucket)).props.s3_tags ?? {};
  }

  async setTags(bucket: string, tags: Record<string, string>): Promise<void> {
    await this.#control(bucket, { kind: 'props', update: { s3_tags: tags } });
  }

  async deleteBucket(bucket: string): Promise<void> {
    await this.refuseNonEmpty(bucket);
    await this.#control(bucket, { kind: 'destroy' });
  }

  /** BucketNotEmpty while the bucket holds objects, kept versions or delete markers. */
  async refuseNonEmpty(bucket: string): Promise<void> {
    // Versions list current objects too, and kept versions and delete markers (S3 wants a
    // versioned bucket emptied of them): one listing answers whether anything is left.
    const versions = await this.listObjectVersions(bucket, {
      prefix: '',
      delimiter: '',
      startAfter: '',
      maxKeys: 1,
      versionIdMarker: '',
    });
    if (versions.entries.length > 0) {
      throw new StoreError('BucketNotEmpty', 'The bucket you tried to delete is not empty');
    }
  }

  headBucket(bucket: string): void {
    lookupBucket(this.runtime, s3Bucket(bucket));
  }

  /** From the bucket's `versioning.history` (AIStore's `versioning.enabled` plays no part). */
  getVersioning(bucket: string): VersioningStatus | undefined {
    const { props } = lookupBucket(this.runtime, s3Bucket(bucket));
    const history = keptHistoryOf(props);
    return history === undefined ? undefined : history === 'enabled' ? 'Enabled' : 'Suspended';
  }

  async setVersioning(bucket: string, status: VersioningStatus): Promise<void> {
    if (status !== 'Enabled' && this.getObjectLock(bucket) !== undefined) {
      throw new StoreError(
        'InvalidBucketState',
        'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
      );
    }
    const history = status === 'Enabled' ? 'enabled' : 'suspended';
    await this.#control(bucket, { kind: 'props', update: { versioning: { history } } });
  }

  async listObjects(bucket: string, request: S3ListRequest): Promise<S3ListPage> {
    const pages = await this.#fanOut<S3ListPage>(bucket, 'objects', request);
    return mergeRolledUp(pages, request.maxKeys);
  }

  async listObjectVersions(bucket: string, request: S3VersionListRequest): Promise<S3VersionPage> {
    const pages = await this.#fanOut<S3VersionPage>(bucket, 'versions', request);
    return mergeRolledUp(pages, request.maxKeys, {
      identity: (entry) => `${entry.key}\u0000${entry.versionId}`,
    });
  }

  async listUploads(bucket: string, request: S3UploadListRequest): Promise<S3UploadPage> {
    const pages = await this.#fanOut<S3UploadPage>(bucket, 'uploads', request);
    const merged = mergeRolledUp<S3UploadEntry>(
      pages.map((page) => ({
        entries: page.uploads,
        commonPrefixes: page.commonPrefixes,
        truncated: page.truncated,
      })),
      request.maxKeys,
      {
        compare: (left, right) =>
          left.key < right.key
            ? -1
            : left.key > right.key
              ? 1
              : left.initiatedMs - right.initiatedMs,
        identity: (entry) => `${entry.key}\u0000${entry.uploadId}`,
      },
    );
    return {
      uploads: merged.entries,
      commonPrefixes: merged.commonPrefixes,
      truncated: merged.truncated,
    };
  }

  async deleteObjects(
    bucket: string,
    items: Array<{ key: string; versionId?: string }>,
    bypassGovernance: boolean,
  ): Promise<S3DeleteResult[]> {
    return mapBounded(items, deleteConcurrency, (item) =>
      this.#deleteOne(bucket, item, bypassGovernance),
    );
  }

  /** One key of a batch delete, on its owner; a missing key counts as deleted (as in S3). */
  async #deleteOne(
    bucket: string,
    item: { key: string; versionId?: string },
    bypassGovernance: boolean,
  ): Promise<S3DeleteResult> {
    try {
      const owner = ownerOf(this.runtime, bucket, item.key);
      const query =
        item.versionId === undefined ? '' : `?versionId=${encodeURIComponent(item.versionId)}`;
      const headers = forwardedRequestHeaders(this.runtime.id, item.key);
      if (bypassGovernance) headers[bypassGovernanceHeader] = 'true';
      const response = await this.runtime.client.stream(
        `${owner.intraUrl}${forwardedPath(bucket, item.key)}${query}`,
        {
          method: 'DELETE',
          headers,
          timeoutMs: forwardTimeoutMs(this.runtime),
        },
      );
      const text = (await response.body.setEncoding('utf8').toArray()).join('');
      if (response.statusCode >= 300) {
        const error = parseS3ErrorXml(text) ?? {
          code: 'InternalError',
          message: text.slice(0, 200),
        };
        return { key: item.key, deleteMarker: false, error };
      }
      const versionId = response.headers['x-amz-version-id'];
      return {
        key: item.key,
        deleteMarker: response.headers['x-amz-delete-marker'] === 'true',
        ...(typeof versionId === 'string' ? { versionId } : {}),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { key: item.key, deleteMarker: false, error: { code: 'InternalError', message } };
    }
  }

  /** Every active target's share of a listing. */
  async #fanOut<T>(
    bucket: string,
    kind: InternalListKind,
    request: S3ListRequest | S3VersionListRequest | S3UploadListRequest,
  ): Promise<T[]> {
    this.headBucket(bucket);
    const targets = this.runtime.store.clusterMap?.activeTargets() ?? [];
    const path = internalListPath(bucket, kind, request);
    return Promise.all(
      targets.map(
        async (target) =>
          (await this.runtime.client.requestJson(`${target.intraUrl}${path}`, {
            method: 'GET',
            headers: { [ForwardHeader.forwardedBy]: this.runtime.id },
            timeoutMs: forwardTimeoutMs(this.runtime),
          })) as T,
      ),
    );
  }

  /** A bucket change on the primary: directly when this gateway is primary, else over its API. */
  async #control(bucketName: string, change: BucketChange): Promise<void> {
    const bucket = s3Bucket(bucketName);
    const owner = this.owner();
    if (owner !== undefined) {
      if (change.kind === 'create') await owner.createBucket(bucket, change.update);
      else if (change.kind === 'props') await owner.setBucketProps(bucket, change.update, false);
      else await owner.destroyBucket(bucket);
      return;
    }
    const [method, message]: ['POST' | 'DELETE' | 'PATCH', ActionMessage] =
      change.kind === 'create'
        ? [
            'POST',
            {
              action: Action.createBucket,
              ...(change.update === undefined ? {} : { value: change.update }),
            },
          ]
        : change.kind === 'props'
          ? ['PATCH', { action: Action.setBucketProps, value: change.update }]
          : ['DELETE', { action: Action.destroyBucket }];
    const primary = this.runtime.store.clusterMap?.primary;
    if (primary === undefined)
      throw new StoreError('ClusterNotReady', 'no primary gateway known yet');
    await this.runtime.client.requestJson(
      `${primary.intraUrl}${apiPath(Resource.buckets, bucketName)}`,
      {
        method,
        body: message,
        timeoutMs: this.runtime.store.config.values.timeouts.control_ms * 3,
      },
    );
  }
}
