// Starts a gateway: servers, then either the primary's ownership of the cluster or membership in it.
import { ClusterOwner, type ClusterMember } from '../../cluster/index.js';
import type { NodeConfig } from '../../config/index.js';
import { NodeRuntime, type RunningNode } from '../common/node-runtime.js';
import { GatewayBuckets } from './gateway-buckets.js';
import { GatewayCluster } from './gateway-cluster.js';
import { GatewayObjects } from './gateway-objects.js';
import { JobCoordinator } from './job-coordinator.js';
import { GatewayS3Buckets } from './gateway-s3-buckets.js';
import { ForwardedOnly } from './gateway-s3-objects.js';
import { OwnerForwarder } from '../common/s3-forwarding.js';
import { s3ApiOptions } from '../common/s3-settings.js';

export async function startGateway(config: NodeConfig): Promise<RunningNode> {
  const runtime = await NodeRuntime.create(config);
  await runtime.listen();
  let owner: ClusterOwner | undefined;
  const ownerOf = (): ClusterOwner | undefined => owner;
  const jobs = new JobCoordinator(runtime);
  runtime.serve(
    {
      objects: new GatewayObjects(runtime),
      buckets: new GatewayBuckets(runtime, ownerOf, jobs),
      cluster: new GatewayCluster(runtime, ownerOf, jobs),
    },
    s3ApiOptions(
      runtime,
      {
        objects: new ForwardedOnly(),
        buckets: new GatewayS3Buckets(runtime, ownerOf),
        forwarder: new OwnerForwarder(runtime),
      },
      true,
    ),
  );
  let member: ClusterMember | undefined;
  if (isPrimary(runtime)) {
    owner = new ClusterOwner(runtime.store, runtime.self, runtime.client, runtime.log);
    await owner.bootstrap();
  } else {
    member = await runtime.joinCluster();
  }
  const { accessKey } = config.s3Credentials;
  runtime.log.info('S3 API ready', { endpoint: runtime.self.publicUrl, accessKey });
  runtime.announceReady();
  return {
    runtime,
    close: async () => {
      owner?.stop();
      member?.stop();
      await runtime.close();
    },
  };
}

/**
 * The first gateway (no --primary-url) is primary, unless its persisted cluster map names another
 * primary; a --primary-url that points at this gateway also makes it primary.
 */
function isPrimary(runtime: NodeRuntime): boolean {
  const { primaryUrl } = runtime.config;
  if (primaryUrl !== undefined) return primaryUrl === runtime.self.publicUrl;
  const map = runtime.store.clusterMap;
  return map === undefined || map.primaryId === runtime.id || map.primary === undefined;
}
