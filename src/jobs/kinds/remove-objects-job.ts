// `delete-listrange` and `evict-listrange`: each target removes the selected objects it owns
// (names, template or prefix). A delete acts as a client's DELETE would (EC pieces and copies
// elsewhere go too, and a remote bucket's remote object first); an evict removes only the cached
// copies of a remote bucket's objects and never touches the remote.
import { isStoreError } from '../../errors/index.js';
import type { BucketJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { MultiObjectJob, parseMultiObjectArgs, type MultiObjectArgs } from '../multi-object.js';

type Removal = (
  environment: TargetJobEnvironment,
  bucket: BucketJson,
  name: string,
) => Promise<void>;

class RemoveObjectsJob extends MultiObjectJob {
  constructor(
    id: string,
    kind: string,
    bucket: BucketJson,
    args: MultiObjectArgs,
    environment: TargetJobEnvironment,
    private readonly remove: Removal,
  ) {
    super(id, kind, bucket, args, environment);
  }

  protected async visit(name: string): Promise<void> {
    try {
      await this.remove(this.environment, this.bucket as BucketJson, name);
      this.counters.localObjects += 1;
    } catch (error) {
      // Selected but absent (or, evicting, not cached): nothing to remove.
      if (isStoreError(error) && error.code === 'ObjectNotFound') return;
      throw error;
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
        parseMultiObjectArgs(request.args, name),
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
