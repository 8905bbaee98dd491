// `prefetch-listrange`: each target fetches into the cluster the selected objects of a remote
// bucket it owns that are not cached yet (a cold GET without a client), so that the first reads
// are warm. Names and range templates select names; a prefix (or the whole bucket) selects what
// the remote lists under it. Cached objects are skipped, unless `latest-ver` asks to compare each
// with the remote and fetch it again when it changed. AIStore's PrefetchMsg; objects of at least
// `blob-threshold` bytes are fetched in parallel ranged reads (blob download) within the job.
import { badRequest } from '../../errors/index.js';
import type { ClusterMap } from '../../cluster/index.js';
import { objectUname, type BucketJson } from '../../wire/index.js';
import type { JobDefinition, PrefetchBlobs, TargetJobEnvironment } from '../job-environment.js';
import {
  caselessRecord,
  MultiObjectJob,
  parseMultiObjectArgs,
  readBoolean,
  readNumber,
  type MultiObjectArgs,
} from '../multi-object.js';
import { selectionPrefix } from '../object-selection.js';
import { blobReads, BlobLimits } from '../blob-message.js';

/** Prefetch's own counter beside `loc-objs` (fetched): selected objects already cached. */
export const prefetchSkippedCounter = 'prefetch-skipped-cached';

export interface PrefetchArgs extends MultiObjectArgs {
  latestVersion: boolean;
  blobs: PrefetchBlobs | undefined;
}

/** A PrefetchMsg: the selection, its flags, `latest-ver` and the blob settings (400 when invalid). */
export function parsePrefetchMessage(value: unknown): PrefetchArgs {
  const where = 'prefetch-listrange';
  const record = caselessRecord(value, where);
  const latestVersion = readBoolean(record, 'latest-ver', where);
  const threshold = readNumber(record, 'blob-threshold', where);
  const chunkSize = readNumber(record, 'blob-chunk-size', where);
  const workers = readNumber(record, 'blob-num-workers', where);
  if (!Number.isSafeInteger(threshold) || threshold < 0)
    throw badRequest(`${where}: "blob-threshold" must be a byte count (got ${threshold})`);
  if (threshold === 0 && (chunkSize !== 0 || workers !== 0))
    throw badRequest(`${where}: "blob-chunk-size" and "blob-num-workers" need "blob-threshold"`);
  const blobs =
    threshold === 0
      ? undefined
      : {
          thresholdBytes: Math.max(threshold, BlobLimits.minPrefetchThreshold),
          settings: {
            ...blobReads(chunkSize, workers, `${where} blob`),
            fullSize: 0,
            chunkReadTimeoutMs: 0,
            latestVersion,
          },
        };
  return { ...parseMultiObjectArgs(value, where), latestVersion, blobs };
}

/**
 * Fetches in flight per target when `num-workers` is 0: a fetch mostly waits on the remote and on
 * the commit of what it wrote, so more than the engine's default keep the link busy.
 */
export const prefetchAutoWorkers = 8;

class PrefetchJob extends MultiObjectJob {
  protected override readonly autoWorkers = prefetchAutoWorkers;

  constructor(
    id: string,
    bucket: BucketJson,
    private readonly prefetch: PrefetchArgs,
    environment: TargetJobEnvironment,
  ) {
    super(id, 'prefetch-listrange', bucket, prefetch, environment);
    this.extraCounters[prefetchSkippedCounter] = 0;
  }

  protected override selectNames(map: ClusterMap): AsyncGenerator<string> {
    const prefix = selectionPrefix(this.args.selection);
    if (prefix === undefined) return super.selectNames(map);
    return this.#remoteNames(map, prefix);
  }

  async *#remoteNames(map: ClusterMap, prefix: string): AsyncGenerator<string> {
    const bucket = this.bucket as BucketJson;
    const { nodeId } = this.environment;
    for await (const name of this.environment.remoteObjectNames(bucket, prefix)) {
      if (this.args.flags.nonRecursive && name.slice(prefix.length).includes('/')) continue;
      if (map.ownerOf(objectUname(bucket, name))?.id === nodeId) yield name;
    }
  }

  protected async visit(name: string): Promise<void> {
    const bucket = this.bucket as BucketJson;
    const fetched = await this.environment.prefetchObject(
      bucket,
      name,
      this.prefetch.latestVersion,
      this.prefetch.blobs,
    );
    if (!fetched) {
      this.extraCounters[prefetchSkippedCounter] =
        (this.extraCounters[prefetchSkippedCounter] ?? 0) + 1;
      return;
    }
    this.counters.localObjects += 1;
  }
}

/** Started by `POST /v1/buckets/<b>` with `{"action":"prefetch-listrange"}` on every target. */
export const prefetchDefinition: JobDefinition = {
  kind: { name: 'prefetch-listrange', startable: false, bucketScoped: true, exclusive: false },
  create(request, environment) {
    if (request.bucket === undefined) throw new Error('prefetch-listrange needs a bucket');
    return new PrefetchJob(
      request.id,
      request.bucket,
      parsePrefetchMessage(request.args),
      environment,
    );
  },
};
