// Bucket operations on a target: its own page of a listing; control actions go to the primary.
import type { RequestContext } from '../../api/common/index.js';
import { badRequest } from '../../errors/index.js';
import type { LocalStore } from '../../storage/index.js';
import {
  maxListPageSize,
  type ActionMessage,
  type BucketJson,
  type ListObjectsRequestJson,
  type ListPageJson,
} from '../../wire/index.js';
import { KnownBuckets, lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardToPrimary } from '../common/primary-forward.js';
import { listPropsOf, toListEntry } from './list-entries.js';

export class TargetBuckets extends KnownBuckets {
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

  /** Up to `pagesize` local objects after the continuation token (or `start_after`), sorted. */
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
    const { props, needsMetadata } = listPropsOf(request.props, flags);
    const token = request.continuation_token ?? '';
    const startAfter = token !== '' ? token : (request.start_after ?? '');
    const objects = await this.store.listObjects(bucket, {
      ...(request.prefix === undefined || request.prefix === '' ? {} : { prefix: request.prefix }),
      ...(startAfter === '' ? {} : { startAfter }),
      limit,
      withMetadata: needsMetadata,
    });
    const entries = objects.map((object) => toListEntry(object, props, this.runtime.id));
    return {
      uuid: request.uuid ?? '',
      continuation_token: entries.length === limit ? (entries[entries.length - 1]?.name ?? '') : '',
      entries,
      flags: 0,
    };
  }
}
