// Promote (files on the targets' disks into a bucket) is the issue "Batch data movement": until it
// is built, a request addressed as AIStore addresses it is checked as far as its addressing goes
// (the bucket exists, the named target is in the cluster) and then refused with 501.
import { StoreError, notImplemented } from '../../../errors/index.js';
import type { BucketJson, PromoteArgsJson } from '../../../wire/index.js';
import { lookupBucket } from '../bucket-lookup.js';
import type { NodeRuntime } from '../node-runtime.js';

export function refusePromote(
  runtime: NodeRuntime,
  bucket: BucketJson,
  args: PromoteArgsJson,
): never {
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
  throw notImplemented('copying files on the targets into a bucket, objects action "promote"');
}
