// Starts a gateway: servers, then its place in the cluster (primary or member, see leadership.ts).
import type { NodeConfig } from '../../config/index.js';
import { EtlControl } from '../../etl/index.js';
import { isInMaintenance } from '../../cluster/index.js';
import { Resource } from '../../wire/index.js';
import type { DaemonExit } from '../common/daemon-actions.js';
import { metadataRoute } from '../common/metadata-route.js';
import { reverseRoute } from '../common/reverse-route.js';
import {
  NodeRuntime,
  type NodeHooks,
  type NodeSeams,
  type RunningNode,
} from '../common/node-runtime.js';
import { BucketSummaries } from './bucket-summary.js';
import { GatewayBuckets } from './gateway-buckets.js';
import { RemoteClusterAdmin } from './cluster/remote-cluster-admin.js';
import { RemoteBucketAdd } from './remote-bucket-add.js';
import { GatewayCluster } from './cluster/gateway-cluster.js';
import { gatewayDsort } from './shards/gateway-dsort.js';
import { FrontendLimiter } from './data/frontend-limiter.js';
import { GatewayDownloads } from './data/gateway-downloads.js';
import { GatewayBatch, GatewayObjects } from './gateway-objects.js';
import { JobCoordinator } from './job-coordinator.js';
import { GatewayS3Buckets } from './gateway-s3-buckets.js';
import { ForwardedOnly } from './gateway-s3-objects.js';
import { OwnerForwarder } from '../common/s3-forwarding.js';
import { s3ApiOptions } from '../common/s3-settings.js';
import { GatewayLeadership } from './leadership.js';
import { GatewayNodeActions } from './node-actions.js';
import { voteRoute } from './vote-route.js';

export async function startGateway(
  config: NodeConfig,
  hooks: NodeHooks,
  seams: NodeSeams = {},
): Promise<RunningNode> {
  const runtime = await NodeRuntime.create(config, seams);
  await runtime.listen();
  const jobs = new JobCoordinator(runtime);
  const leadership = new GatewayLeadership(runtime, jobs);
  const ownerOf = (): ReturnType<() => GatewayLeadership['owner']> => leadership.owner;
  const exit: DaemonExit = {
    leaveCluster: () => leadership.stop(),
    wipeUserData: () => Promise.resolve(),
    exitProcess: hooks.requestExit,
  };
  const remoteAdd = new RemoteBucketAdd(runtime, ownerOf);
  const limiter = new FrontendLimiter(activeGateways(runtime), runtime.clock);
  const dsort = gatewayDsort(runtime, ownerOf);
  runtime.serve(
    {
      objects: new GatewayObjects(runtime, remoteAdd, jobs, limiter),
      batch: new GatewayBatch(runtime),
      dsort: dsort.port,
      download: new GatewayDownloads(runtime, ownerOf, jobs, remoteAdd),
      buckets: new GatewayBuckets(runtime, ownerOf, jobs, remoteAdd),
      cluster: new GatewayCluster(
        runtime,
        ownerOf,
        jobs,
        new GatewayNodeActions(runtime, leadership),
        exit,
        new RemoteClusterAdmin(runtime, ownerOf),
      ),
      internal: {
        [Resource.vote]: voteRoute(leadership),
        [Resource.metadata]: metadataRoute(runtime),
        [Resource.dsort]: dsort.driverRoute,
      },
      reverse: reverseRoute(runtime),
      bucketSummary: new BucketSummaries(runtime, jobs),
      etl: new EtlControl({ metadata: runtime.store, client: runtime.client, owner: ownerOf }),
    },
    s3ApiOptions(
      runtime,
      {
        objects: new ForwardedOnly(),
        buckets: new GatewayS3Buckets(runtime, ownerOf),
        forwarder: new OwnerForwarder(runtime, limiter),
      },
      true,
    ),
    hooks.publicRoute?.({
      publicUrl: runtime.self.publicUrl,
      authEnabled: () => runtime.store.config.values.auth.enabled,
    }),
  );
  await leadership.start();
  const { accessKey } = config.s3Credentials;
  runtime.log.info('S3 API ready', { endpoint: runtime.self.publicUrl, accessKey });
  runtime.announceReady();
  return {
    runtime,
    close: async () => {
      leadership.stop();
      await runtime.close();
    },
  };
}

/** Gateways sharing the clients' traffic: those in the map and not in maintenance. */
function activeGateways(runtime: NodeRuntime): () => number {
  return () => {
    const proxies = runtime.store.clusterMap?.proxies.values() ?? [];
    return [...proxies].filter((node) => !isInMaintenance(node)).length;
  };
}
