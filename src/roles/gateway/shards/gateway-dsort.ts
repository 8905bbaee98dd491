// dSort on a gateway (`/v1/sort`): the coordinator (src/dsort) given this gateway's cluster view,
// its bucket metadata, and bucket creation (an output bucket that does not exist is created, as
// AIStore's dSort does). Jobs are started on, and driven by, the primary: another gateway forwards
// the start, so a job outlives any gateway but the primary (metrics, lists and aborts are answered
// by every gateway from what the targets report). The targets of a job ask the primary driving it
// whether it still does (`GET /v1/dsort/<id>` on the intra-cluster port: 200, or 404 once it
// restarted), and fail the job when it no longer does or cannot be reached.
import type { DsortPort, InternalRoute } from '../../../api/native/index.js';
import type { ClusterOwner } from '../../../cluster/index.js';
import { DsortCoordinator } from '../../../dsort/index.js';
import { StoreError, badRequest } from '../../../errors/index.js';
import { apiPath, Resource, type BucketJson } from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';

export interface GatewayDsort {
  /** `/v1/sort`. */
  port: DsortPort;
  /** `/v1/dsort/<id>` on the intra-cluster port: does this gateway drive the job. */
  driverRoute: InternalRoute;
}

export function gatewayDsort(
  runtime: NodeRuntime,
  owner: () => ClusterOwner | undefined,
): GatewayDsort {
  const controlTimeoutMs = runtime.store.config.values.timeouts.control_ms;
  const coordinator = new DsortCoordinator({
    client: runtime.client,
    log: runtime.log,
    controlTimeoutMs,
    nodeId: runtime.id,
    publicUrl: runtime.self.publicUrl,
    clusterMap: () => runtime.store.clusterMap,
    requireBucket: (bucket) => {
      lookupBucket(runtime, bucket);
    },
    ensureBucket: async (output: BucketJson) => {
      if (runtime.store.bucketMetadata?.get(output) !== undefined) return;
      const primaryOwner = owner();
      if (primaryOwner === undefined)
        throw new StoreError('ClusterNotReady', 'dsort: this gateway is no longer the primary');
      await primaryOwner.createBucket(output, undefined);
    },
  });
  const forwardStart = async (spec: unknown): Promise<string> => {
    const primary = runtime.store.clusterMap?.primary;
    if (primary === undefined)
      throw new StoreError('ClusterNotReady', 'no primary gateway known yet');
    const id = await runtime.client.requestJson(`${primary.intraUrl}${apiPath(Resource.sort)}`, {
      method: 'POST',
      body: spec,
      timeoutMs: controlTimeoutMs * 3,
    });
    return String(id);
  };
  const driverRoute: InternalRoute = (context, segments) => {
    const [id = '', ...rest] = segments;
    if (context.method !== 'GET' || id === '' || rest.length > 0)
      throw badRequest(`unknown dsort request ${context.method} ${context.path}`);
    if (!coordinator.drives(id))
      throw new StoreError('JobNotFound', `dsort job "${id}" is not driven by ${runtime.id}`);
    context.res.end();
    return Promise.resolve();
  };
  return {
    port: {
      start: (spec) => (owner() === undefined ? forwardStart(spec) : coordinator.start(spec)),
      metrics: (id) => coordinator.metrics(id),
      list: (regex, onlyActive) => coordinator.list(regex, onlyActive),
      abort: (id) => coordinator.abort(id),
      remove: (id) => coordinator.remove(id),
    },
    driverRoute,
  };
}
