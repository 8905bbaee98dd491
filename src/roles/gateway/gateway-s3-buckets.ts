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
  type S3UploadPage,
  type S3VersionListRequest,
  type S3VersionPage,
  type VersioningStatus,
} from '../../api/s3/index.js';
import type { ClusterOwner } from '../../cluster/index.js';
import { StoreError } from '../../errors/index.js';
import { mapBounded } from '../../storage/io/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardTimeoutMs, ownerOf, s3Bucket } from '../common/s3-forwarding.js';
import { mergeRolledUp } from '../common/s3-listing.js';
import { Action, apiPath, Resource, type ActionMessage } from '../../wire/index.js';

/** Keys of one DeleteObjects request deleted at the same time. */
const deleteConcurrency = 16;

export class GatewayS3Buckets implements S3BucketPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly owner: () => ClusterOwner | undefined,
  ) {}

  listBuckets(): S3BucketInfo[] {
    return (this.runtime.store.bucketMetadata?.list('ais') ?? []).map((entry) => ({
      name: entry.bucket.name,
      createdMs: Number(BigInt(entry.props.created) / 1_000_000n),
    }));
  }

  async createBucket(bucket: string): Promise<void> {
    await this.#control(bucket, { action: Action.createBucket }, 'POST');
  }

  async deleteBucket(bucket: string): Promise<void> {
    this.headBucket(bucket);
    const page = await this.listObjects(bucket, {
      prefix: '',
      delimiter: '',
      startAfter: '',
      maxKeys: 1,
    });
    if (page.entries.length > 0) {
      throw new StoreError('BucketNotEmpty', 'The bucket you tried to delete is not empty');
    }
    await this.#control(bucket, { action: Action.destroyBucket }, 'DELETE');
  }

  headBucket(bucket: string): void {
    lookupBucket(this.runtime, s3Bucket(bucket));
  }

  getVersioning(bucket: string): VersioningStatus | undefined {
    this.headBucket(bucket);
    return undefined;
  }

  setVersioning(): Promise<void> {
    return Promise.reject(
      new StoreError(
        'NotImplemented',
        'S3 bucket versioning (keeping old versions) is not implemented yet',
      ),
    );
  }

  async listObjects(bucket: string, request: S3ListRequest): Promise<S3ListPage> {
    const pages = await this.#fanOut<S3ListPage>(bucket, 'objects', request);
    return mergeRolledUp(pages, request.maxKeys);
  }

  async listObjectVersions(bucket: string, request: S3VersionListRequest): Promise<S3VersionPage> {
    const pages = await this.#fanOut<S3VersionPage>(bucket, 'versions', request);
    return mergeRolledUp(pages, request.maxKeys);
  }

  async listUploads(bucket: string, request: S3ListRequest): Promise<S3UploadPage> {
    const pages = await this.#fanOut<S3UploadPage>(bucket, 'uploads', request);
    const merged = mergeRolledUp<S3UploadEntry>(
      pages.map((page) => ({
        entries: page.uploads,
        commonPrefixes: page.commonPrefixes,
        truncated: page.truncated,
      })),
      request.maxKeys,
      (left, right) =>
        left.key < right.key ? -1 : left.key > right.key ? 1 : left.initiatedMs - right.initiatedMs,
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
  ): Promise<S3DeleteResult[]> {
    return mapBounded(items, deleteConcurrency, (item) => this.#deleteOne(bucket, item));
  }

  /** One key of a batch delete, on its owner; a missing key counts as deleted (as in S3). */
  async #deleteOne(
    bucket: string,
    item: { key: string; versionId?: string },
  ): Promise<S3DeleteResult> {
    try {
      const owner = ownerOf(this.runtime, bucket, item.key);
      const query =
        item.versionId === undefined ? '' : `?versionId=${encodeURIComponent(item.versionId)}`;
      const response = await this.runtime.client.stream(
        `${owner.intraUrl}${forwardedPath(bucket, item.key)}${query}`,
        {
          method: 'DELETE',
          headers: forwardedRequestHeaders(this.runtime.id, item.key),
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
    request: S3ListRequest | S3VersionListRequest,
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
            timeoutMs: this.runtime.store.config.values.timeouts.control_ms * 6,
          })) as T,
      ),
    );
  }

  /** A bucket change on the primary: directly when this gateway is primary, else over its API. */
  async #control(
    bucketName: string,
    message: ActionMessage,
    method: 'POST' | 'DELETE',
  ): Promise<void> {
    const bucket = s3Bucket(bucketName);
    const owner = this.owner();
    if (owner !== undefined) {
      if (message.action === Action.createBucket) await owner.createBucket(bucket, undefined);
      else await owner.destroyBucket(bucket);
      return;
    }
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
