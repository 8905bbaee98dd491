// `summary-bck`: each target counts what it stores of a bucket (optionally under a prefix): objects
// and their bytes, the smallest and largest, the bytes on its disks (replicas, mirror copies and EC
// pieces) and the size of its file systems. The gateway adds the targets' counters up into
// AIStore's BsummResult (see roles/gateway/bucket-summary.ts).
import { asRecord } from '../../util/json.js';
import type { Logger } from '../../util/log.js';
import type { BucketJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';

/** Objects read per listing page while counting. */
const pageSize = 1000;

/**
 * The summary's counters in the snapshot's stats, beside AIStore's standard ones: `loc-objs` and
 * `loc-bytes` are the objects (one per name) and the sum of their sizes.
 */
export const SummaryCounter = {
  minSize: 'summary-min-size',
  maxSize: 'summary-max-size',
  /** Replicas, mirror copies and EC pieces, as stored (work files and metadata not counted). */
  diskBytes: 'summary-disk-bytes',
  /** Total size of the file systems under this target's mountpaths (each counted once). */
  filesystemBytes: 'summary-filesystem-bytes',
} as const;

/** What a summary counts (AIStore's BsummCtrlMsg, as the gateway passes it on). */
export interface SummaryArgs {
  prefix: string;
}

class BucketSummaryJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson,
    private readonly args: SummaryArgs,
    private readonly environment: TargetJobEnvironment,
  ) {
    super(id, 'summary-bck', bucket);
    for (const counter of Object.values(SummaryCounter)) this.extraCounters[counter] = 0;
    if (args.prefix !== '') this.controlMessage = `prefix "${args.prefix}"`;
  }

  protected async execute(signal: AbortSignal, _log: Logger): Promise<void> {
    const { store } = this.environment;
    const capacity = await store.capacity();
    const filesystems = new Map(capacity.map((entry) => [entry.filesystem, entry.totalBytes]));
    this.extraCounters[SummaryCounter.filesystemBytes] = [...filesystems.values()].reduce(
      (sum, bytes) => sum + bytes,
      0,
    );
    await this.#countObjects(signal);
    for (const contentType of ['ec', 'mt'] as const) {
      if (signal.aborted) return;
      await this.#countPieces(contentType, signal);
    }
  }

  async #countObjects(signal: AbortSignal): Promise<void> {
    const bucket = this.bucket as BucketJson;
    let startAfter: string | undefined;
    let min = Number.POSITIVE_INFINITY;
    while (!signal.aborted) {
      const page = await this.environment.store.listObjects(bucket, {
        ...(this.args.prefix === '' ? {} : { prefix: this.args.prefix }),
        ...(startAfter === undefined ? {} : { startAfter }),
        limit: pageSize,
        withMetadata: true,
      });
      for (const object of page) {
        this.counters.localObjects += 1;
        this.counters.localBytes += object.size;
        min = Math.min(min, object.size);
        const max = this.extraCounters[SummaryCounter.maxSize] ?? 0;
        this.extraCounters[SummaryCounter.maxSize] = Math.max(max, object.size);
        this.#addDiskBytes(object.size * (1 + object.copies.length));
      }
      this.extraCounters[SummaryCounter.minSize] = Number.isFinite(min) ? min : 0;
      if (page.length < pageSize) return;
      startAfter = page[page.length - 1]?.name;
    }
  }

  /** EC slices and metafiles of the bucket's objects held here (names as the objects'). */
  async #countPieces(contentType: 'ec' | 'mt', signal: AbortSignal): Promise<void> {
    const bucket = this.bucket as BucketJson;
    let startAfter: string | undefined;
    while (!signal.aborted) {
      const page = await this.environment.store.listObjects(bucket, {
        ...(this.args.prefix === '' ? {} : { prefix: this.args.prefix }),
        ...(startAfter === undefined ? {} : { startAfter }),
        limit: pageSize,
        withMetadata: false,
        contentType,
      });
      for (const piece of page) this.#addDiskBytes(piece.size);
      if (page.length < pageSize) return;
      startAfter = page[page.length - 1]?.name;
    }
  }

  #addDiskBytes(bytes: number): void {
    this.extraCounters[SummaryCounter.diskBytes] =
      (this.extraCounters[SummaryCounter.diskBytes] ?? 0) + bytes;
  }
}

export const summaryDefinition: JobDefinition = {
  kind: { name: 'summary-bck', startable: false, bucketScoped: true, exclusive: false },
  create(request, environment) {
    if (request.bucket === undefined) throw new Error('summary-bck needs a bucket');
    const prefix = asRecord(request.args)?.prefix;
    const args = { prefix: typeof prefix === 'string' ? prefix : '' };
    return new BucketSummaryJob(request.id, request.bucket, args, environment);
  },
};
