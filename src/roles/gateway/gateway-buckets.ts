// Bucket operations on a gateway: listing from bucket metadata, control actions through the primary,
// and list-objects fanned out to every target and merged.
import type { RequestContext } from '../../api/common/index.js';
import type { ClusterOwner } from '../../cluster/index.js';
import { badRequest } from '../../errors/index.js';
import { parseListRange } from '../../jobs/index.js';
import { randomId } from '../../util/ids.js';
import { asRecord } from '../../util/json.js';
import {
  Action,
  apiPath,
  bucketQuery,
  maxListPageSize,
  Resource,
  type ActionMessage,
  type BucketJson,
  type ListObjectsRequestJson,
  type ListPageJson,
} from '../../wire/index.js';
import { KnownBuckets, lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardToPrimary } from '../common/primary-forward.js';
import type { JobCoordinator } from './job-coordinator.js';
import { mergeListPages } from './list-merge.js';
import { startProtectionJob } from './protection-actions.js';

export class GatewayBuckets extends KnownBuckets {
  constructor(
    runtime: NodeRuntime,
    private readonly owner: () => ClusterOwner | undefined,
    private readonly jobs: JobCoordinator,
  ) {
    super(runtime);
  }

  async control(
    bucket: BucketJson,
    message: ActionMessage,
    context: RequestContext,
  ): Promise<string | undefined> {
    if (message.action === Action.deleteListRange) {
      return this.jobs.start(Action.deleteListRange, bucket, parseListRange(message.value));
    }
    const owner = this.owner();
    if (owner === undefined) {
      const answer = await forwardToPrimary(this.runtime, context, message);
      return typeof answer === 'string' && answer !== '' ? answer : undefined;
    }
    if (message.action === Action.makeNCopies || message.action === Action.ecEncode) {
      return startProtectionJob(owner, this.jobs, bucket, message);
    }
    const update =
      message.value === null || message.value === undefined ? undefined : asRecord(message.value);
    if (message.value !== null && message.value !== undefined && update === undefined) {
      throw badRequest(`action "${message.action}": value must be a JSON object`);
    }
    switch (message.action) {
      case Action.createBucket:
        await owner.createBucket(bucket, update);
        break;
      case Action.destroyBucket:
        await owner.destroyBucket(bucket);
        break;
      case Action.setBucketProps:
        if (update === undefined) throw badRequest('set-bprops: missing properties');
        await owner.setBucketProps(bucket, update, false);
        break;
      case Action.resetBucketProps:
        await owner.setBucketProps(bucket, {}, true);
        break;
      default:
        throw badRequest(`invalid bucket action "${message.action}"`);
    }
    return undefined;
  }

  /** Asks every target for its next page after the token and merges them. */
  async listObjects(bucket: BucketJson, request: ListObjectsRequestJson): Promise<ListPageJson> {
    lookupBucket(this.runtime, bucket);
    const maxPage = Math.min(
      this.runtime.store.config.values.list_objects.max_page_size,
      maxListPageSize,
    );
    const requested = Number(request.pagesize ?? 0);
    if (!Number.isInteger(requested) || requested < 0)
      throw badRequest(`invalid page size ${String(request.pagesize)}`);
    const pageSize = requested === 0 ? maxPage : Math.min(requested, maxPage);
    const uuid = request.uuid !== undefined && request.uuid !== '' ? request.uuid : randomId(10);
    const targets = this.runtime.store.clusterMap?.activeTargets() ?? [];
    const path = `${apiPath(Resource.buckets, bucket.name)}?${bucketQuery(bucket).toString()}`;
    const body: ActionMessage = {
      action: Action.list,
      value: { ...request, pagesize: pageSize, uuid },
    };
    const pages = await Promise.all(
      targets.map(
        async (target) =>
          (await this.runtime.client.requestJson(`${target.intraUrl}${path}`, {
            method: 'GET',
            body,
            timeoutMs: this.runtime.store.config.values.timeouts.control_ms * 6,
          })) as ListPageJson,
      ),
    );
    return mergeListPages(pages, pageSize, uuid);
  }
}
