// After start-up a target sweeps every bucket's chunk sets once, in the background while it serves:
// sets a crash left without an object, and multipart uploads older than the configured age.
import type { LocalStore } from '../../storage/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export function sweepChunkSetsInBackground(runtime: NodeRuntime, store: LocalStore): void {
  const sweep = async (): Promise<void> => {
    const maxUploadAgeMs = runtime.store.config.values.s3.abandoned_upload_age_ms;
    for (const { bucket } of runtime.store.bucketMetadata?.list() ?? []) {
      const nowMs = store.clock.nowMs();
      const result = await store.uploads.sweepChunkSets(bucket, { maxUploadAgeMs, nowMs });
      if (result.orphans + result.abandoned > 0) {
        runtime.log.info('removed chunk sets', { bucket: bucket.name, ...result });
      }
    }
  };
  sweep().catch((error: unknown) => runtime.log.warn('chunk-set sweep failed', { error }));
}
