// A gateway never stores objects: it checks the request and redirects it (307) to the HRW owner.
import type { ObjectAddress, ObjectPort } from '../../api/native/index.js';
import type { RequestContext } from '../../api/common/index.js';
import { StoreError } from '../../errors/index.js';
import { validateObjectName } from '../../storage/layout/index.js';
import { objectUname, Query } from '../../wire/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export class GatewayObjects implements ObjectPort {
  constructor(private readonly runtime: NodeRuntime) {}

  redirect(address: ObjectAddress, context: RequestContext): Promise<string | undefined> {
    lookupBucket(this.runtime, address.bucket);
    validateObjectName(address.name);
    const map = this.runtime.store.clusterMap;
    const owner = map?.ownerOf(objectUname(address.bucket, address.name));
    if (map === undefined || owner === undefined)
      throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
    const query = new URLSearchParams(context.search);
    query.set(Query.redirectProxyId, this.runtime.id);
    query.set(Query.redirectMapVersion, String(map.version));
    query.set(Query.redirectTime, (BigInt(Date.now()) * 1_000_000n).toString(36));
    return Promise.resolve(`${owner.publicUrl}${context.path}?${query.toString()}`);
  }

  head(): never {
    throw unreachable();
  }
  get(): never {
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
}

function unreachable(): Error {
  return new Error('gateway object operations are always redirected');
}
