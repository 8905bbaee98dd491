// `delete-listrange` and `evict-listrange`: each target removes the selected objects it owns
// (names, template or prefix). A delete acts as a client's DELETE would (EC pieces and copies
// elsewhere go too, and a remote bucket's remote object first); an evict removes only the cached
// copies of a remote bucket's objects and never touches the remote.
import { isStoreError } from '../../errors/index.js';
import type { Logger } from '../../util/log.js';
import type { BucketJson, ListRangeJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';
import { parseListRange, selectOwnedObjects } from '../object-selection.js';

type Removal = (
  environment: TargetJobEnvironment,
  bucket: BucketJson,
  name: string,
) => Promise<void>;

class RemoveObjectsJob extends Job {
  constructor(
    id: string,
    kind: string,
    bucket: BucketJson,
    private readonly selection: ListRangeJson,
    private readonly environment: TargetJobEnvironment,
    private readonly remove: Removal,
  ) {
    super(id, kind, bucket);
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const { store, nodeId } = this.environment;
    const map = this.environment.clusterMap();
    const bucket = this.bucket as BucketJson;
    if (map === undefined) throw new Error('no cluster map');
    for await (const name of selectOwnedObjects(this.selection, bucket, nodeId, map, store)) {
      if (signal.aborted) return;
      try {
        await this.remove(this.environment, bucket, name);
        this.counters.localObjects += 1;
      } catch (error) {
        // Selected but absent (or, evicting, not cached): nothing to remove.
        if (isStoreError(error) && error.code === 'ObjectNotFound') continue;
        log.warn(`${this.kind} failed`, { job: this.id, name, error });
        throw error;
      }
    }
  }
}

function removalDefinition(name: string, remove: Removal): JobDefinition {
  return {
    kind: { name, startable: false, bucketScoped: true, exclusive: false },
    create(request, environment) {
      if (request.bucket === undefined) throw new Error(`${name} needs a bucket`);
      return new RemoveObjectsJob(
        request.id,
        name,
        request.bucket,
        parseListRange(request.args),
        environment,
        remove,
      );
    },
  };
}

// Through the object hooks: EC pieces go too, so nothing restores the object later.
export const deleteObjectsDefinition = removalDefinition('delete-listrange', (env, bucket, name) =>
  env.deleteObject(bucket, name),
);

export const evictObjectsDefinition = removalDefinition('evict-listrange', (env, bucket, name) =>
  env.evictObject(bucket, name),
);
