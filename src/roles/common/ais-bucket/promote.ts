// Promote's addressing, checked the same way by every node before anything runs: the bucket
// exists, the named target is in the cluster, the source is the promote root or below it.
import { StoreError } from '../../../errors/index.js';
import { checkPromoteSource } from '../../../jobs/index.js';
import type { BucketJson, PromoteArgsJson } from '../../../wire/index.js';
import { lookupBucket } from '../bucket-lookup.js';
import type { NodeRuntime } from '../node-runtime.js';

export function checkPromote(
  runtime: NodeRuntime,
  bucket: BucketJson,
  args: PromoteArgsJson & { src: string },
): void {
  lookupBucket(runtime, bucket);
  const targetId = args.tid ?? '';
  if (targetId !== '') {
    const map = runtime.store.clusterMap;
    if (map?.targets.get(targetId) === undefined) {
      throw new StoreError(
        'NodeNotFound',
        `promote failure: target ${targetId} not present in the cluster map (v${map?.version ?? 0})`,
      );
    }
  }
  checkPromoteSource(args.src, runtime.config.promoteRoot);
}
