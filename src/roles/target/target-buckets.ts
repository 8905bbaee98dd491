// Bucket operations on a target: its own page of a listing; control actions go to the primary.
import type { RequestContext } from '../../api/common/index.js';
import { badRequest } from '../../errors/index.js';
import type { LocalStore } from '../../storage/index.js';
import {
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
import { listEntryMaker, listPropsOf } from './list-entries.js';
import { ListSessions } from './list-sessions.js';

export class TargetBuckets extends KnownBuckets {
  readonly #sessions = new ListSessions<ListEntryJson>((entry) => entry.name);

  constructor(
    runtime: NodeRuntime,
    private readonly store: LocalStore,
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
   * next page of a listing reuses what the previous one read (`ListSessions`).
   */
  async listObjects(bucket: BucketJson, request: ListObjectsRequestJson): Promise<ListPageJson> {
    lookupBucket(this.runtime, bucket);
    const limit = Number(request.pagesize ?? 0) || maxListPageSize;
    if (!Number.isInteger(limit) || limit < 0)
      throw badRequest(`invalid page size ${String(request.pagesize)}`);
    let flags: bigint;
    try {
      flags = BigInt(request.flags ?? '0');
    } catch {
      throw badRequest(`invalid list flags "${String(request.flags)}"`);
    }
    const { props, reads } = listPropsOf(request.props, flags);
    const token = request.continuation_token ?? '';
    const startAfter = token !== '' ? token : (request.start_after ?? '');
    const prefix = request.prefix ?? '';
    const uuid = request.uuid ?? '';
    const key = JSON.stringify([bucket, prefix, [...props], reads]);
    const toEntry = listEntryMaker(props, this.runtime.id);
    const page = await this.#sessions.page(uuid, key, startAfter, limit, async (after, wanted) => {
      const objects = await this.store.listObjects(bucket, {
        ...(prefix === '' ? {} : { prefix }),
        ...(after === '' ? {} : { startAfter: after }),
        limit: wanted,
        withMetadata: reads === 'metadata',
        namesOnly: reads === 'names',
      });
      return objects.map(toEntry);
    });
    return {
      uuid,
      continuation_token: page.length === limit ? (page[page.length - 1]?.name ?? '') : '',
      entries: page,
      flags: 0,
    };
  }
}
