// GetBatch on a gateway: every referenced bucket must exist; the gateway picks the designated
// target (a random one, or with `coloc` the owner of the first item, as AIStore's HRW choice)
// and redirects the GET, body and all, to it (307 with `tid`).
import { randomInt } from 'node:crypto';
import type { RequestContext } from '../../api/common/index.js';
import type { BatchPort, BatchRequest } from '../../api/native/index.js';
import { StoreError } from '../../errors/index.js';
import { Header, objectUname, Query } from '../../wire/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export class GatewayBatch implements BatchPort {
  constructor(private readonly runtime: NodeRuntime) {}

  getBatch(request: BatchRequest, context: RequestContext): Promise<void> {
    for (const item of request.items) lookupBucket(this.runtime, item.bucket);
    const map = this.runtime.store.clusterMap;
    const targets = map?.activeTargets() ?? [];
    const first = request.items[0];
    const designated =
      request.colocation > 0 && first !== undefined
        ? map?.ownerOf(objectUname(first.bucket, first.name))
        : targets[randomInt(Math.max(targets.length, 1))];
    if (designated === undefined)
      throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
    const query = new URLSearchParams(context.search);
    query.set(Query.designatedTarget, designated.id);
    query.set(Query.redirectProxyId, this.runtime.id);
    context.res.writeHead(307, {
      [Header.location307]: `${designated.publicUrl}${context.path}?${query.toString()}`,
      [Header.contentLength]: 0,
    });
    context.res.end();
    return Promise.resolve();
  }
}
