// AIStore's `add-remote-bck`: a remote bucket (`aws://b`, `ais://@alias/b`) that a request names
// before anyone created it is HEADed at its backend and added to the bucket metadata with default
// props by the primary, then the request goes on. `dont_add_remote_bck_md=true` leaves it out (the
// request is then refused: using a remote bucket without adding it is not built; the listing flag
// `DontAddRemote` says the same).
import { isRemoteBucket } from '../../backends/index.js';
import { defaultBucketProps, type ClusterOwner } from '../../cluster/index.js';
import { StoreError, isStoreError } from '../../errors/index.js';
import {
  Action,
  Query,
  apiPath,
  bucketQuery,
  flagOnValues,
  type BucketJson,
  type BucketPropsUpdateJson,
} from '../../wire/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export class RemoteBucketAdd {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly owner: () => ClusterOwner | undefined,
  ) {}

  /**
   * Adds `bucket` when it is remote and unknown, unless `dontAdd` (the request's flag). An ht://
   * bucket gets `httpOrigin` (from a request's `original_url`) as its `extra.http.original_url`.
   */
  async ensure(bucket: BucketJson, dontAdd: boolean, httpOrigin?: string): Promise<void> {
    const bmd = this.runtime.store.bucketMetadata;
    if (dontAdd || bmd === undefined || bmd.get(bucket) !== undefined) return;
    if (!isRemoteBucket(bucket)) return;
    const update: BucketPropsUpdateJson | undefined =
      httpOrigin === undefined ? undefined : { extra: { http: { original_url: httpOrigin } } };
    const props = defaultBucketProps(bucket.provider, 'none', 0n);
    if (httpOrigin !== undefined)
      props.extra = { ...props.extra, http: { original_url: httpOrigin } };
    await this.runtime.backends.for(bucket, props).headBucket();
    try {
      const owner = this.owner();
      if (owner !== undefined) await owner.createBucket(bucket, update);
      else await this.#askPrimary(bucket, update);
    } catch (error) {
      // Another request added it first.
      if (!isStoreError(error) || error.code !== 'BucketAlreadyExists') throw error;
    }
  }

  /** `create-bck` on the primary, without a second HEAD of the remote. */
  async #askPrimary(bucket: BucketJson, update: BucketPropsUpdateJson | undefined): Promise<void> {
    const primary = this.runtime.store.clusterMap?.primary;
    if (primary === undefined)
      throw new StoreError('ClusterNotReady', 'no primary gateway known yet');
    const query = bucketQuery(bucket);
    query.set(Query.dontHeadRemoteBucket, 'true');
    await this.runtime.client.requestJson(
      `${primary.intraUrl}${apiPath('buckets', bucket.name)}?${query.toString()}`,
      {
        method: 'POST',
        body: { action: Action.createBucket, ...(update === undefined ? {} : { value: update }) },
        timeoutMs: this.runtime.store.config.values.timeouts.control_ms * 3,
      },
    );
  }
}

/** The request's `dont_add_remote_bck_md=true`. */
export function dontAddRemote(query: URLSearchParams): boolean {
  return flagOnValues.includes(query.get(Query.dontAddRemoteBucket) ?? '');
}
