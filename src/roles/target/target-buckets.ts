// Bucket operations on a target: its own page of a listing; control actions go to the primary.
import type { RequestContext } from '../../api/common/index.js';
import { badRequest } from '../../errors/index.js';
import type { LocalStore } from '../../storage/index.js';
import {
  ListFlag,
  maxListPageSize,
  type ActionMessage,
  type BucketJson,
  type ListEntryJson,
  type ListObjectsRequestJson,
  type ListPageJson,
} from '../../wire/index.js';
import { KnownBuckets, lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardToPrimary } from '../common/primary-forward.js';
import { listFlagsOf } from '../common/ais-bucket/list-flags.js';
import { listOneLevel } from './list-directories.js';
import { listEntryMaker, listPropsOf } from './list-entries.js';
import { ListSessions, type ListWalk } from './list-sessions.js';
import type { ShardListing } from './shards/shard-listing.js';

export class TargetBuckets extends KnownBuckets {
  readonly #sessions = new ListSessions<ListEntryJson>((entry) => entry.name);

  constructor(
    runtime: NodeRuntime,
    private readonly store: LocalStore,
    private readonly shards: ShardListing,
    /**
     * Resolves once the bucket may be listed here: as for object requests (ObjectService's
     * `bucketReady`), a target back from being away first applies the deletes its peers took
     * meanwhile (bounded), so a listing does not show their stale replicas.
     */
    private readonly ready: (bucket: BucketJson) => Promise<void>,
  ) {
    super(runtime);
  }

  async control(
    _bucket: BucketJson,
    message: ActionMessage,
    context: RequestContext,
  ): Promise<string | undefined> {
    const answer = await forwardToPrimary(this.runtime, context, message);
    return typeof answer === 'string' && answer !== '' ? answer : undefined;
  }

  /**
   * Up to `pagesize` local objects after the continuation token (or `start_after`), sorted; the
   * next page of a listing reuses what the previous one read (`ListSessions`). A non-recursive
   * listing rolls deeper names up into directory entries (list-directories.ts).
   */
  async listObjects(bucket: BucketJson, request: ListObjectsRequestJson): Promise<ListPageJson> {
    // Waits first: a target back from being away may not know the bucket yet.
    await this.ready(bucket);
    lookupBucket(this.runtime, bucket);
    const limit = Number(request.pagesize ?? 0) || maxListPageSize;
    if (!Number.isInteger(limit) || limit < 0)
      throw badRequest(`invalid page size ${String(request.pagesize)}`);
    const flags = listFlagsOf(request.flags);
    const { props, reads } = listPropsOf(request.props, flags);
    const token = request.continuation_token ?? '';
    const startAfter = token !== '' ? token : (request.start_after ?? '');
    const noRecursion = (flags & ListFlag.noRecursion) !== 0n;
    // A non-recursive listing's `/` is the top level, as `""` is.
    const prefix = noRecursion && request.prefix === '/' ? '' : (request.prefix ?? '');
    const uuid = request.uuid ?? '';
    const archDir = (flags & ListFlag.archDir) !== 0n;
    const key = JSON.stringify([bucket, prefix, [...props], reads, archDir]);
    const toEntry = listEntryMaker(props, this.runtime.id);
    const walk: ListWalk<ListEntryJson> = async (after, wanted, directories) => {
      const objects = await this.store.listObjects(bucket, {
        ...(prefix === '' ? {} : { prefix }),
        ...(after === '' ? {} : { startAfter: after }),
        limit: wanted,
        directories,
        withMetadata: reads === 'metadata',
        namesOnly: reads === 'names',
      });
      const entries = objects.map(toEntry);
      return {
        entries: archDir ? await this.shards.expand(bucket, entries, after, prefix) : entries,
        readTo: objects.length < wanted ? undefined : entries[entries.length - 1]?.name,
      };
    };
    if (noRecursion) {
      const { entries, more } = await listOneLevel(
        prefix,
        startAfter,
        limit,
        (flags & ListFlag.noDirs) !== 0n,
        (after, wanted) =>
          this.#sessions.page(uuid, key, after, wanted, walk, { keepAfter: startAfter }),
      );
      const last = entries[entries.length - 1];
      return {
        uuid,
        continuation_token: more && last !== undefined ? last.name : '',
        entries,
        flags: 0,
      };
    }
    const page = await this.#sessions.page(uuid, key, startAfter, limit, walk, { readAhead: true });
    return {
      uuid,
      continuation_token: page.length === limit ? (page[page.length - 1]?.name ?? '') : '',
      entries: page,
      flags: 0,
    };
  }
}
