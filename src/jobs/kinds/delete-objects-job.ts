// `delete-listrange`: each target deletes the selected objects it owns (names, template or prefix),
// each as a client's DELETE would (EC pieces and copies elsewhere go too).
import { isStoreError } from '../../errors/index.js';
import type { Logger } from '../../util/log.js';
import type { BucketJson, ListRangeJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';
import { parseListRange, selectOwnedObjects } from '../object-selection.js';

class DeleteObjectsJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson,
    private readonly selection: ListRangeJson,
    private readonly environment: TargetJobEnvironment,
  ) {
    super(id, 'delete-listrange', bucket);
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const { store, nodeId } = this.environment;
    const map = this.environment.clusterMap();
    const bucket = this.bucket as BucketJson;
    if (map === undefined) throw new Error('no cluster map');
    for await (const name of selectOwnedObjects(this.selection, bucket, nodeId, map, store)) {
      if (signal.aborted) return;
      try {
        // Through the object hooks: EC pieces go too, so nothing restores the object later.
        await this.environment.deleteObject(bucket, name);
        this.counters.localObjects += 1;
      } catch (error) {
        if (isStoreError(error) && error.code === 'ObjectNotFound') continue;
        log.warn('delete failed', { job: this.id, name, error });
        throw error;
      }
    }
  }
}

export const deleteObjectsDefinition: JobDefinition = {
  kind: { name: 'delete-listrange', startable: false, bucketScoped: true, exclusive: false },
  create(request, environment) {
    if (request.bucket === undefined) throw new Error('delete-listrange needs a bucket');
    return new DeleteObjectsJob(
      request.id,
      request.bucket,
      parseListRange(request.args),
      environment,
    );
  },
};
