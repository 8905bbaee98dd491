// Starts a target: opens its mountpaths (cleaning stale work files), serves, and joins the cluster.
import type { NodeConfig } from '../../config/index.js';
import { jobDefinitions } from '../../jobs/index.js';
import { DataProtection, protectionJobDefinitions } from '../../protect/index.js';
import { LocalStore } from '../../storage/index.js';
import { IntraStreamClient } from '../../transport/index.js';
import { NodeRuntime, type RunningNode } from '../common/node-runtime.js';
import { protectionHooks } from './protection-hooks.js';
import { TargetBuckets } from './target-buckets.js';
import { TargetCluster } from './target-cluster.js';
import { TargetJobs } from './target-jobs.js';
import { TargetObjects } from './target-objects.js';
import { TargetS3Buckets } from './target-s3-buckets.js';
import { TargetS3Objects } from './target-s3-objects.js';
import { OwnerForwarder } from '../common/s3-forwarding.js';
import { s3ApiOptions } from '../common/s3-settings.js';
import { TargetPieces } from './target-pieces.js';

/** Longest upload of one EC piece, and longest silence while reading one from a peer. */
const pieceTransferTimeoutMs = 30 * 60_000;
import { sweepChunkSetsInBackground } from './chunk-set-sweep.js';

export async function startTarget(config: NodeConfig): Promise<RunningNode> {
  const runtime = await NodeRuntime.create(config);
  const storage = runtime.store.config.values.storage;
  const store = await LocalStore.open({
    nodeId: runtime.id,
    mountpaths: [...config.mountpaths],
    storage: {
      fsyncObjects: storage.fsync_objects,
      verifyInMemoryMaxBytes: storage.verify_in_memory_max_bytes,
      readChunkBytes: storage.read_chunk_bytes,
    },
  });
  await runtime.listen();
  const streams = new IntraStreamClient({ callerId: runtime.id, connectionsPerPeer: 32 });
  const protection = new DataProtection({
    nodeId: runtime.id,
    store,
    client: runtime.client,
    streams,
    log: runtime.log,
    timeouts: {
      controlMs: runtime.store.config.values.timeouts.control_ms,
      dataMs: pieceTransferTimeoutMs,
    },
    clusterMap: () => runtime.store.clusterMap,
  });
  const jobs = new TargetJobs(
    runtime,
    {
      nodeId: runtime.id,
      store,
      client: runtime.client,
      log: runtime.log,
      clusterMap: () => runtime.store.clusterMap,
      bucketMetadata: () => runtime.store.bucketMetadata,
    },
    [...jobDefinitions, ...protectionJobDefinitions(protection)],
  );
  const hooks = protectionHooks(protection);
  runtime.serve(
    {
      objects: new TargetObjects(runtime, store, hooks),
      buckets: new TargetBuckets(runtime, store),
      cluster: new TargetCluster(runtime, store, jobs.registry),
      jobs,
      erasureCoding: new TargetPieces(runtime, protection),
    },
    s3ApiOptions(
      runtime,
      {
        objects: new TargetS3Objects(runtime, store),
        buckets: new TargetS3Buckets(runtime, store),
        forwarder: new OwnerForwarder(runtime),
      },
      false,
    ),
  );
  const member = await runtime.joinCluster();
  runtime.announceReady();
  sweepChunkSetsInBackground(runtime, store);
  return {
    runtime,
    close: async () => {
      member.stop();
      jobs.registry.abortAll('node shutting down');
      await runtime.close();
      await streams.close();
      await store.close();
    },
  };
}
