// A gateway never stores objects: it checks the request and redirects it (307) to the HRW owner;
// a GetBatch goes to the designated target it picks.
import { randomInt } from 'node:crypto';
import {
  appendHandleNode,
  invalidAppendHandle,
  type BatchPort,
  type BatchRequest,
  type ObjectAddress,
  type ObjectPort,
} from '../../api/native/index.js';
import type { RequestContext } from '../../api/common/index.js';
import { StoreError } from '../../errors/index.js';
import { checkOriginalUrl, originOfObjectUrl } from '../../backends/index.js';
import { validateObjectName } from '../../storage/layout/index.js';
import {
  Header,
  objectUname,
  Query,
  type BucketJson,
  type PromoteArgsJson,
} from '../../wire/index.js';
import type { ClusterMap, ClusterNode } from '../../cluster/index.js';
import { lookupBucket, lookupBuckets } from '../common/bucket-lookup.js';
import { dontAddRemote, type RemoteBucketAdd } from './remote-bucket-add.js';
import { promote } from './data/promote-action.js';
import type { JobCoordinator } from './job-coordinator.js';
import type { FrontendLimiter } from './data/frontend-limiter.js';
import { unreachableOwner } from '../common/unreachable-targets.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { randomId } from '../../util/ids.js';

export class GatewayObjects implements ObjectPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly remoteAdd: RemoteBucketAdd,
    private readonly jobs: JobCoordinator,
    private readonly limiter: FrontendLimiter,
  ) {}

  /**
   * The owner's URL; for a read whose owner is unreachable (found so by this gateway, or reported
   * by the client and confirmed with a probe), the URL of the target that stands in for it.
   */
  async redirect(address: ObjectAddress, context: RequestContext): Promise<string | undefined> {
    // AIStore's `original_url` (ht:// objects): an unknown bucket is added with the URL's origin.
    const originalUrl = context.query.get(Query.originalUrl) ?? '';
    const origin =
      originalUrl === '' ? undefined : originOfObjectUrl(address.bucket, address.name, originalUrl);
    await this.remoteAdd.ensure(address.bucket, dontAddRemote(context.query), origin);
    const { props } = lookupBucket(this.runtime, address.bucket);
    validateObjectName(address.name);
    if (originalUrl !== '')
      checkOriginalUrl(
        address.bucket,
        props.extra?.http?.original_url ?? '',
        address.name,
        originalUrl,
      );
    this.limiter.admit(address.bucket, props, context.method);
    const map = this.runtime.store.clusterMap;
    const uname = objectUname(address.bucket, address.name);
    const owner = map?.ownerOf(uname);
    if (map === undefined || owner === undefined)
      throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
    const query = new URLSearchParams(context.search);
    query.set(Query.redirectProxyId, this.runtime.id);
    query.set(Query.redirectMapVersion, String(map.version));
    const bucketMetadataVersion = this.runtime.store.bucketMetadata?.version ?? 0;
    query.set(Query.redirectBucketMetadataVersion, String(bucketMetadataVersion));
    query.set(Query.redirectTime, (BigInt(Date.now()) * 1_000_000n).toString(36));
    let target = owner;
    // An append goes on at the target holding its work file (named by the handle).
    const appendNode = appendHandleNode(context);
    if (appendNode !== undefined) {
      const holder = map.targets.get(appendNode);
      if (holder === undefined) {
        const handle = context.query.get(Query.appendHandle) ?? '';
        throw invalidAppendHandle(
          handle,
          `node ${appendNode} not present in cluster map v${map.version}`,
        );
      }
      target = holder;
    }
    if (isRead(context)) {
      const unreachable = this.runtime.unreachable;
      const reported = reportedUnreachable(context);
      const ownerDown =
        unreachable.isUnreachable(owner) ||
        (reported.has(new URL(owner.publicUrl).origin) && (await unreachable.confirm(owner)));
      if (ownerDown) {
        const substitute = await unreachable.substituteFor(map, uname, owner, reported);
        if (substitute === undefined) throw unreachableOwner(owner);
        query.set(Query.substituteFor, owner.id);
        target = substitute;
      }
    }
    this.runtime.auth.signRedirect(context.method, context.path, query);
    return `${target.publicUrl}${context.path}?${query.toString()}`;
  }

  head(): never {
    throw unreachable();
  }
  get(): never {
    throw unreachable();
  }
  getFromArchive(): never {
    throw unreachable();
  }
  putIntoArchive(): never {
    throw unreachable();
  }
  put(): never {
    throw unreachable();
  }
  delete(): never {
    throw unreachable();
  }
  setCustomMetadata(): never {
    throw unreachable();
  }
  copy(): never {
    throw unreachable();
  }
  append(): never {
    throw unreachable();
  }
  flush(): never {
    throw unreachable();
  }
  createUpload(): never {
    throw unreachable();
  }
  uploadPart(): never {
    throw unreachable();
  }
  completeUpload(): never {
    throw unreachable();
  }
  abortUpload(): never {
    throw unreachable();
  }
  evict(): never {
    throw unreachable();
  }
  blobDownload(): never {
    throw unreachable();
  }
  promote(bucket: BucketJson, args: PromoteArgsJson & { src: string }): Promise<string> {
    return promote(this.runtime, this.jobs, bucket, args);
  }
}

/** The origins of targets the client could not reach with this read (`Header.unreachableTarget`). */
function reportedUnreachable(context: RequestContext): Set<string> {
  const header = context.req.headers[Header.unreachableTarget];
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return new Set(
    text
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  );
}

function isRead(context: RequestContext): boolean {
  return context.method === 'GET' || context.method === 'HEAD';
}

function unreachable(): Error {
  return new Error('gateway object operations are always redirected');
}

/**
 * `coloc` 1 and 2 (the items are colocated on few targets): the target that owns the most of
 * them, so that the fewest cross the cluster (the first item's owner among equals).
 */
function mostItemsOwner(request: BatchRequest, map: ClusterMap): ClusterNode | undefined {
  const counts = new Map<string, { node: ClusterNode; items: number }>();
  let best: { node: ClusterNode; items: number } | undefined;
  for (const item of request.items) {
    const owner = map.ownerOf(objectUname(item.bucket, item.name));
    if (owner === undefined) continue;
    const count = counts.get(owner.id) ?? { node: owner, items: 0 };
    count.items += 1;
    counts.set(owner.id, count);
    if (best === undefined || count.items > best.items) best = count;
  }
  return best?.node;
}

/**
 * GetBatch on a gateway: every referenced bucket must exist; the gateway picks the designated
 * target (a random one, or with `coloc` the owner of most items) and redirects the GET, body and
 * all, to it (307 with `tid`).
 */
export class GatewayBatch implements BatchPort {
  constructor(private readonly runtime: NodeRuntime) {}

  getBatch(request: BatchRequest, context: RequestContext): Promise<void> {
    lookupBuckets(this.runtime, request.items);
    const map = this.runtime.store.clusterMap;
    const targets = map?.activeTargets() ?? [];
    const designated =
      request.colocation > 0 && map !== undefined
        ? mostItemsOwner(request, map)
        : targets[randomInt(Math.max(targets.length, 1))];
    if (designated === undefined)
      throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
    const query = new URLSearchParams(context.search);
    query.set(Query.designatedTarget, designated.id);
    query.set(Query.redirectProxyId, this.runtime.id);
    // AIStore's path to the designated target: the batch's ID, a work ID, the number of targets.
    const path = `${context.path.replace(/\/+$/, '')}/${randomId(10)}/${randomId(6)}/${targets.length}`;
    query.set(Query.redirectTime, (BigInt(Date.now()) * 1_000_000n).toString(36));
    this.runtime.auth.signRedirect(context.method, path, query);
    context.res.writeHead(307, {
      [Header.location307]: `${designated.publicUrl}${path}?${query.toString()}`,
      [Header.contentLength]: 0,
    });
    context.res.end();
    return Promise.resolve();
  }
}
