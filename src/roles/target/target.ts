// Starts a target: opens its mountpaths (cleaning stale work files), serves, and joins the cluster.
import type { NodeConfig } from '../../config/index.js';
import { LocalStore } from '../../storage/index.js';
import { NodeRuntime, type NodeHooks, type RunningNode } from '../common/node-runtime.js';
import { TargetBuckets } from './target-buckets.js';
import { TargetCluster } from './target-cluster.js';
import { emptyObjectHooks } from './object-hooks.js';
import { TargetJobs } from './target-jobs.js';
import { TargetObjects } from './target-objects.js';

export async function startTarget(config: NodeConfig, _hooks: NodeHooks): Promise<RunningNode> {
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
  const hooks = emptyObjectHooks();
  const jobs = new TargetJobs(runtime, {
    nodeId: runtime.id,
    store,
    client: runtime.client,
    log: runtime.log,
    clusterMap: () => runtime.store.clusterMap,
    bucketMetadata: () => runtime.store.bucketMetadata,
  });
  runtime.serve({
    objects: new TargetObjects(runtime, store, hooks),
    buckets: new TargetBuckets(runtime, store),
    cluster: new TargetCluster(runtime, store, jobs.registry),
    jobs,
  });
  const member = await runtime.joinCluster();
  runtime.announceReady();
  return {
    runtime,
    close: async () => {
      member.stop();
      jobs.registry.abortAll('node shutting down');
      await runtime.close();
      await store.close();
    },
  };
}
