// move-bck's job on a target (AIStore's `bckRename` xaction): the bucket was renamed in place when
// the metadata came (bucket-renames.ts), and the objects whose owner changes with the name move in
// the rebalance started with it. So the job ends once that rebalance (or a newer one, which covers
// it) has ended on every target, and fails if it ended here without that. The primary then
// removes the old name.
import { badRequest } from '../../../errors/index.js';
import {
  Job,
  moveBucketJobKind,
  type JobDefinition,
  type MoveBucketArgs,
} from '../../../jobs/index.js';
import type { RebalanceStatusJson } from '../../../protect/rebalance/index.js';
import { asRecord } from '../../../util/json.js';
import { sleep } from '../../../util/time.js';
import type { BucketJson } from '../../../wire/index.js';

/** How often the rebalance's progress is looked at. */
const pollMs = 250;

export function moveBucketDefinition(rebalance: () => RebalanceStatusJson): JobDefinition {
  return {
    kind: moveBucketJobKind,
    create(request) {
      const generation = (asRecord(request.args) as Partial<MoveBucketArgs> | undefined)
        ?.generation;
      if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 1)
        throw badRequest('move-bck: the job needs the generation of its rebalance');
      return new MoveBucketJob(request.id, request.bucket, generation, rebalance);
    },
  };
}

class MoveBucketJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson | undefined,
    private readonly generation: number,
    private readonly rebalance: () => RebalanceStatusJson,
  ) {
    super(id, moveBucketJobKind.name, bucket);
    this.controlMessage = `via rebalance g${generation}`;
  }

  protected async execute(signal: AbortSignal): Promise<void> {
    // Polls end when the rebalance completes, stops without completing, or the job is aborted.
    let stoppedPolls = 0;
    while (!signal.aborted) {
      const status = this.rebalance();
      if (status.completed >= this.generation) return;
      // Known here and not running, twice in a row (a newer rebalance would be running).
      const stopped = status.rmd_version >= this.generation && status.running === '';
      stoppedPolls = stopped ? stoppedPolls + 1 : 0;
      if (stoppedPolls >= 2)
        throw new Error(
          `rebalance g${this.generation} ended without completing: objects of the renamed bucket may not be at their owners`,
        );
      await sleep(pollMs, signal);
    }
  }
}
