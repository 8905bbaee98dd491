// Resilver: a target-local job after a mountpath was attached, enabled, detached or disabled.
// Passes over every readable mountpath move objects to their HRW home until a pass moves nothing
// (a write racing the first pass is caught by the next); then drained mountpaths finish leaving.
// The volume record keeps `resilver_pending` until then, so a restart resumes the job.
import type { MetadataStore } from '../../cluster/index.js';
import { Job, type JobRegistry } from '../../jobs/index.js';
import type { LocalStore } from '../../storage/index.js';
import { randomId } from '../../util/ids.js';
import type { Logger } from '../../util/log.js';
import type { PlacementChangeHook } from './rebalance-environment.js';

/** Passes before the job stops even if objects still move (writes keep landing elsewhere). */
const maxPasses = 10;

export class ResilverJob extends Job {
  constructor(
    id: string,
    private readonly store: LocalStore,
    private readonly metadata: MetadataStore,
    private readonly afterMoves: PlacementChangeHook | undefined,
  ) {
    super(id, 'resilver', undefined);
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    for (let pass = 1; pass <= maxPasses; pass += 1) {
      const buckets = (this.metadata.bucketMetadata?.list() ?? []).map((entry) => entry.bucket);
      const moved = await this.store.relocateMisplaced(buckets, {
        signal,
        concurrency: this.metadata.config.values.rebalance.concurrency,
        onMoved: (sizeBytes) => {
          this.counters.localObjects += 1;
          this.counters.localBytes += sizeBytes;
        },
        onFailed: (bucket, name, error) =>
          log.warn('resilver: object not moved', { bucket: bucket.name, name, error }),
      });
      if (signal.aborted) return;
      if (moved === 0) break;
    }
    const finished = await this.store.completeMountpathChanges();
    if (finished.length > 0) log.info('mountpaths drained', { job: this.id, mountpaths: finished });
    // Mirror copies were gathered on the home, pieces may have left with a mountpath.
    await this.afterMoves?.(signal, log);
  }
}

/** Starts a resilver on this target, aborting one that runs (the new one covers its work). */
export function startResilver(
  registry: JobRegistry,
  store: LocalStore,
  metadata: MetadataStore,
  id = randomId(10),
  afterMoves?: PlacementChangeHook,
): string {
  registry.abort({ kind: 'resilver' }, `superseded by resilver ${id}`);
  registry.start(new ResilverJob(id, store, metadata, afterMoves), false);
  return id;
}
