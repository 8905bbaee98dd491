// dSort on a gateway (`/v1/sort`): the coordinator (src/dsort) given this gateway's cluster view,
// its bucket metadata, and bucket creation through the primary (an output bucket that does not
// exist is created, as AIStore's dSort does).
import type { DsortPort } from '../../../api/native/index.js';
import type { ClusterOwner } from '../../../cluster/index.js';
import { DsortCoordinator } from '../../../dsort/index.js';
import { StoreError } from '../../../errors/index.js';
import { Action, apiPath, bucketQuery, Resource, type BucketJson } from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';

export function gatewayDsort(
  runtime: NodeRuntime,
  owner: () => ClusterOwner | undefined,
): DsortPort {
  const controlTimeoutMs = runtime.store.config.values.timeouts.control_ms;
  const coordinator = new DsortCoordinator({
    client: runtime.client,
    log: runtime.log,
    controlTimeoutMs,
    publicUrl: runtime.self.publicUrl,
    clusterMap: () => runtime.store.clusterMap,
    requireBucket: (bucket) => {
      lookupBucket(runtime, bucket);
    },
    ensureBucket: async (output: BucketJson) => {
      if (runtime.store.bucketMetadata?.get(output) !== undefined) return;
      const primaryOwner = owner();
      if (primaryOwner !== undefined) {
        await primaryOwner.createBucket(output, undefined);
        return;
      }
      const primary = runtime.store.clusterMap?.primary;
      if (primary === undefined)
        throw new StoreError('ClusterNotReady', 'no primary gateway known yet');
      await runtime.client.requestJson(
        `${primary.intraUrl}${apiPath(Resource.buckets, output.name)}?${bucketQuery(output).toString()}`,
        { method: 'POST', body: { action: Action.createBucket }, timeoutMs: controlTimeoutMs * 3 },
      );
    },
  });
  return {
    start: (spec) => coordinator.start(spec),
    metrics: (id) => coordinator.metrics(id),
    list: (regex, onlyActive) => coordinator.list(regex, onlyActive),
    abort: (id) => coordinator.abort(id),
    remove: (id) => coordinator.remove(id),
  };
}
