// `copy-bck` and `copy-listrange`: each target copies the selected source objects it owns to the
// destination bucket under their destination names, one object at a time through a copy step
// (read here, written by the destination's owner, checked against the source's checksum). The
// step is the seam for transforms: a kind that changes the bytes on the way (ETL) is another
// definition with another step.
import { isStoreError } from '../../errors/index.js';
import type { BucketJson, StartJobRequestJson } from '../../wire/index.js';
import {
  destinationName,
  parseCopyMessage,
  type CopyArgs,
  type CopyKind,
} from '../copy-message.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { MultiObjectJob } from '../multi-object.js';
import { selectOwnedObjects } from '../object-selection.js';
import type { Logger } from '../../util/log.js';

/** Moves one object to its destination; says how many bytes, and which target took them. */
export type CopyStep = (
  environment: TargetJobEnvironment,
  source: { bucket: BucketJson; name: string },
  destination: { bucket: BucketJson; name: string },
) => Promise<{ size: number; sentTo: string | undefined }>;

class CopyObjectsJob extends MultiObjectJob {
  constructor(
    id: string,
    kind: string,
    bucket: BucketJson,
    private readonly copyArgs: CopyArgs,
    environment: TargetJobEnvironment,
    private readonly step: CopyStep,
  ) {
    super(id, kind, bucket, copyArgs, environment);
  }

  protected override async execute(signal: AbortSignal, log: Logger): Promise<void> {
    await super.execute(signal, log);
    const { synchronize, dryRun, selection } = this.copyArgs;
    if (!synchronize || dryRun || signal.aborted || selection.prefix === undefined) return;
    const map = this.environment.clusterMap();
    if (map === undefined) throw new Error('no cluster map');
    const destination = this.copyArgs.to;
    // The destination's objects under the prefix that this target owns, whose source is gone.
    for await (const name of selectOwnedObjects(selection, {
      bucket: destination,
      nodeId: this.environment.nodeId,
      map,
      store: this.environment.store,
      nonRecursive: this.copyArgs.flags.nonRecursive,
    })) {
      if (signal.aborted) return;
      if (await this.environment.objectExists(this.bucket as BucketJson, name)) continue;
      await this.#removeDestination(name);
    }
  }

  async #removeDestination(name: string): Promise<void> {
    try {
      await this.environment.deleteObject(this.copyArgs.to, name);
      this.extraCounters.deleted = (this.extraCounters.deleted ?? 0) + 1;
    } catch (error) {
      if (!isStoreError(error) || error.code !== 'ObjectNotFound') throw error;
    }
  }

  protected async visit(name: string): Promise<void> {
    const source = { bucket: this.bucket as BucketJson, name };
    try {
      if (this.copyArgs.dryRun) {
        const { size } = await this.environment.store.headObject(source.bucket, name);
        this.#count(size, undefined);
        return;
      }
      const destination = { bucket: this.copyArgs.to, name: destinationName(this.copyArgs, name) };
      const copied = await this.step(this.environment, source, destination);
      this.#count(copied.size, copied.sentTo);
    } catch (error) {
      // A range names objects that may not exist, and a listed prefix's object may be gone since;
      // a name given in a list must exist.
      const missing = isStoreError(error) && error.code === 'ObjectNotFound';
      // Synchronizing, a named source that is gone takes its copy with it.
      if (missing && this.copyArgs.synchronize && !this.copyArgs.dryRun)
        return this.#removeDestination(destinationName(this.copyArgs, name));
      const listed = this.copyArgs.selection.objnames !== undefined;
      if (!listed && missing) return;
      throw error;
    }
  }

  #count(size: number, sentTo: string | undefined): void {
    this.counters.localObjects += 1;
    this.counters.localBytes += size;
    if (sentTo === undefined) return;
    this.counters.outObjects += 1;
    this.counters.outBytes += size;
  }
}

/**
 * A copy kind on the engine: `stepFor` gives the per-object step of one job (from its start
 * request: a transform reads its ETL from the message).
 */
export function copyDefinition(
  name: CopyKind,
  stepFor: (request: StartJobRequestJson) => CopyStep,
): JobDefinition {
  return {
    kind: { name, startable: false, bucketScoped: true, exclusive: false },
    create(request, environment) {
      if (request.bucket === undefined) throw new Error(`${name} needs a bucket`);
      // The gateway put the destination in `tobck` for every kind.
      const args = parseCopyMessage(request.args, name);
      const step = stepFor(request);
      return new CopyObjectsJob(request.id, name, request.bucket, args, environment, step);
    },
  };
}

const plainCopy: CopyStep = (environment, source, destination) =>
  environment.copyObject(source.bucket, source.name, destination.bucket, destination.name);

export const copyBucketDefinition = copyDefinition('copy-bck', () => plainCopy);
export const copyListRangeDefinition = copyDefinition('copy-listrange', () => plainCopy);
