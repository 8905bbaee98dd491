// Bucket operations on a gateway: listing from bucket metadata, control actions through the primary,
// and list-objects fanned out to every target and merged.
import type { RequestContext } from '../../api/common/index.js';
import {
  isRemoteBucket,
  listRemotePage,
  listsCachedOnly,
  requireRemoteBucket,
} from '../../backends/index.js';
import {
  applyBucketPropsUpdate,
  defaultBucketProps,
  type ClusterOwner,
} from '../../cluster/index.js';
import { StoreError, badRequest, notImplemented } from '../../errors/index.js';
import {
  parseArchiveMessage,
  parseMultiObjectArgs,
  parsePrefetchMessage,
} from '../../jobs/index.js';
import { randomId } from '../../util/ids.js';
import { asRecord } from '../../util/json.js';
import {
  Action,
  ContentType,
  Header,
  ListFlag,
  apiPath,
  listEntriesOf,
  flagOnValues,
  Query,
  type ExtraPropsJson,
  bucketQuery,
  maxListPageSize,
  Resource,
  type ActionMessage,
  type BucketJson,
  type BucketPropsJson,
  type ListColumnsJson,
  type ListObjectsRequestJson,
  type ListPageJson,
} from '../../wire/index.js';
import { KnownBuckets, lookupBucket } from '../common/bucket-lookup.js';
import { checkListFlags, listFlagsOf } from '../common/ais-bucket/list-flags.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardToPrimary } from '../common/primary-forward.js';
import type { JobCoordinator } from './job-coordinator.js';
import {
  ListCursors,
  mergeStreams,
  missingEntries,
  newStream,
  receive,
  type ListCursor,
} from './list-merge.js';
import { startProtectionJob } from './protection-actions.js';
import { dontAddRemote, type RemoteBucketAdd } from './remote-bucket-add.js';
import { isCopyAction, startCopy } from './data/copy-actions.js';
import { startMove } from './data/move-action.js';
import { GatewayS3Buckets } from './gateway-s3-buckets.js';

export class GatewayBuckets extends KnownBuckets {
  readonly #cursors = new ListCursors();

  constructor(
    runtime: NodeRuntime,
    private readonly owner: () => ClusterOwner | undefined,
    private readonly jobs: JobCoordinator,
    private readonly remoteAdd: RemoteBucketAdd,
  ) {
    super(runtime);
  }

  override async props(bucket: BucketJson, context: RequestContext): Promise<BucketPropsJson> {
    await this.remoteAdd.ensure(bucket, dontAddRemote(context.query));
    return await super.props(bucket);
  }

  async control(
    bucket: BucketJson,
    message: ActionMessage,
    context: RequestContext,
  ): Promise<string | undefined> {
    const dontHead = flagOnValues.includes(context.query.get(Query.dontHeadRemoteBucket) ?? '');
    if (dontHead && (message.action !== Action.createBucket || !isRemoteBucket(bucket)))
      throw badRequest(`${Query.dontHeadRemoteBucket} applies to creating remote buckets only`);
    const copying = isCopyAction(message.action);
    for (const name of [Query.bucketTo, Query.presence]) {
      const served =
        name === Query.bucketTo
          ? ([Action.copyBucket, Action.etlBucket, Action.moveBucket] as string[]).includes(
              message.action,
            )
          : copying;
      if (context.query.has(name) && !served)
        throw notImplemented(`query parameter "${name}" with action "${message.action}"`);
    }
    if (message.action === Action.archive) {
      const args = parseArchiveMessage(message.value);
      if (args.to !== undefined) lookupBucket(this.runtime, args.to);
      return this.jobs.start(Action.archive, bucket, message.value);
    }
    const keepMetadata = flagOnValues.includes(context.query.get(Query.keepBucketMetadata) ?? '');
    if (keepMetadata && message.action !== Action.evictRemoteBucket)
      throw badRequest(`${Query.keepBucketMetadata} applies to ${Action.evictRemoteBucket} only`);
    if (message.action === Action.deleteListRange || message.action === Action.evictListRange) {
      if (message.action === Action.evictListRange) requireRemoteBucket(bucket, message.action);
      parseMultiObjectArgs(message.value, message.action);
      return this.jobs.start(message.action, bucket, message.value);
    }
    if (message.action === Action.prefetchListRange) {
      requireRemoteBucket(bucket, message.action);
      parsePrefetchMessage(message.value);
      return this.jobs.start(message.action, bucket, message.value);
    }
    if (message.action === Action.evictRemoteBucket) {
      requireRemoteBucket(bucket, message.action);
      // Keeping the bucket: every cached object goes (the whole-bucket selection), and the
      // answer waits for that, with no job ID (as AIStore's).
      if (keepMetadata) {
        await this.jobs.run(Action.evictListRange, bucket, { template: '' });
        return undefined;
      }
    }
    const owner = this.owner();
    if (owner === undefined) {
      const answer = await forwardToPrimary(this.runtime, context, message);
      return typeof answer === 'string' && answer !== '' ? answer : undefined;
    }
    if (message.action === Action.makeNCopies || message.action === Action.ecEncode) {
      return startProtectionJob(owner, this.jobs, bucket, message);
    }
    if (message.action === Action.moveBucket)
      return startMove(this.runtime, owner, this.jobs, bucket, message, context.query);
    if (copying) {
      return startCopy(this.runtime, owner, this.jobs, bucket, message, context.query);
    }
    const update =
      message.value === null || message.value === undefined ? undefined : asRecord(message.value);
    if (message.value !== null && message.value !== undefined && update === undefined) {
      throw badRequest(`action "${message.action}": value must be a JSON object`);
    }
    switch (message.action) {
      case Action.createBucket:
        if (isRemoteBucket(bucket) && !dontHead) await this.#headRemote(bucket, update);
        await owner.createBucket(bucket, update);
        break;
      // Without `keep_bck_md` an evicted remote bucket leaves the cluster's map with its cached
      // objects, as a destroyed one does; its remote is untouched.
      case Action.destroyBucket:
      case Action.evictRemoteBucket:
        // Destroying would take locked versions with it: an object-lock bucket must be empty.
        if (lookupBucket(this.runtime, bucket).props.object_lock?.enabled === true)
          await new GatewayS3Buckets(this.runtime, this.owner).refuseNonEmpty(bucket.name);
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

  /** A remote bucket is created only when its backend has it (unless `dont_head_remote_bck`). */
  async #headRemote(
    bucket: BucketJson,
    update: Record<string, unknown> | undefined,
  ): Promise<void> {
    const extra = update?.['extra'];
    const props = applyBucketPropsUpdate(
      defaultBucketProps(bucket.provider, 'none', 0n),
      extra === undefined ? {} : { extra: extra as ExtraPropsJson },
    );
    await this.runtime.backends.for(bucket, props).headBucket();
  }

  /**
   * Merges the targets' listings into a page. A listing's next page continues from what the
   * gateway kept of the previous one (`ListCursors`) and asks each target only for what it is
   * missing; while the client reads a page, the next one is fetched.
   */
  async listObjects(bucket: BucketJson, request: ListObjectsRequestJson): Promise<ListPageJson> {
    const flags = listFlagsOf(request.flags);
    await this.remoteAdd.ensure(bucket, (flags & ListFlag.dontAddRemote) !== 0n);
    const { props } = lookupBucket(this.runtime, bucket);
    checkListFlags(bucket, flags);
    const maxPage = Math.min(
      this.runtime.store.config.values.list_objects.max_page_size,
      maxListPageSize,
    );
    const requested = Number(request.pagesize ?? 0);
    if (!Number.isInteger(requested) || requested < 0)
      throw badRequest(`invalid page size ${String(request.pagesize)}`);
    const pageSize = requested === 0 ? maxPage : Math.min(requested, maxPage);
    if (isRemoteBucket(bucket) && !listsCachedOnly(request, bucket)) {
      const backend = this.runtime.backends.for(bucket, props);
      return await listRemotePage(backend, request, pageSize, (local) =>
        this.listObjects(bucket, local),
      );
    }
    const uuid = request.uuid !== undefined && request.uuid !== '' ? request.uuid : randomId(10);
    const targets = this.runtime.store.clusterMap?.activeTargets() ?? [];
    const targetIds = targets.map((target) => target.id).join(',');
    const token = request.continuation_token ?? '';
    const key = JSON.stringify([
      bucket,
      request.prefix ?? '',
      request.props ?? '',
      request.flags ?? '',
      pageSize,
    ]);
    let cursor = this.#cursors.take(uuid, key, token, targetIds);
    if (cursor?.prefetch !== undefined) {
      // A failed prefetch is forgotten: the page is fetched again, and reports its own failure.
      cursor = await cursor.prefetch.then(
        () => cursor,
        () => undefined,
      );
    }
    if (cursor === undefined) {
      const after = token !== '' ? token : (request.start_after ?? '');
      const streams = targets.map((target) => newStream(target.id, target.intraUrl, after));
      cursor = { key, targets: targetIds, streams, token, touchedAt: Date.now() };
    }
    const fetch = (): Promise<void> => this.#fill(bucket, request, uuid, cursor, pageSize);
    await fetch();
    const { entries, more } = mergeStreams(cursor.streams, pageSize);
    const last = entries[entries.length - 1];
    cursor.token = more && last !== undefined ? last.name : '';
    if (cursor.token !== '' && this.#cursors.keep(uuid, cursor)) {
      const prefetch = fetch();
      // Handled when the next page awaits it; never an unhandled rejection meanwhile.
      prefetch.catch(() => undefined);
      cursor.prefetch = prefetch;
    }
    return { uuid, continuation_token: cursor.token, entries, flags: 0 };
  }

  /** Asks every target that is short of a page's worth for what it is missing, in parallel. */
  async #fill(
    bucket: BucketJson,
    request: ListObjectsRequestJson,
    uuid: string,
    cursor: ListCursor,
    pageSize: number,
  ): Promise<void> {
    const path = `${apiPath(Resource.buckets, bucket.name)}?${bucketQuery(bucket).toString()}`;
    // Columns carry name, flags and size in that key order: an ArchDir listing's shard files are
    // made in another (`listPageToColumns`).
    const columns = (listFlagsOf(request.flags) & ListFlag.archDir) === 0n;
    await Promise.all(
      cursor.streams.map(async (stream) => {
        const wanted = missingEntries(stream, pageSize);
        if (wanted === 0) return;
        const body: ActionMessage = {
          action: Action.list,
          value: { ...request, pagesize: wanted, uuid, continuation_token: stream.after },
        };
        const page = (await this.runtime.client.requestJson(`${stream.url}${path}`, {
          method: 'GET',
          body,
          headers: columns ? { [Header.accept]: ContentType.listColumns } : {},
          timeoutMs: this.runtime.store.config.values.timeouts.control_ms * 6,
        })) as ListPageJson | ListColumnsJson;
        const entries = listEntriesOf(page);
        if (entries === undefined)
          throw new StoreError('Internal', `target ${stream.targetId} sent a malformed list page`);
        receive(stream, entries, wanted);
      }),
    );
  }
}
