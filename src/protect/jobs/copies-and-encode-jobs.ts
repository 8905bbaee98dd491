// `make-n-copies` and `ec-encode`: one pass over a target's objects applying the bucket's mirror
// count, or completing its EC pieces (encoding objects that have none).
import { Job } from '../../jobs/index.js';
import type { Logger } from '../../util/log.js';
import {
  keptHistoryOf,
  objectUname,
  type BucketJson,
  type BucketPropsJson,
} from '../../wire/index.js';
import type { DataProtection } from '../data-protection.js';
import { ensurePieces } from '../ec/ensure-pieces.js';
import type { LocalStore } from '../../storage/index.js';
import {
  concat,
  forEachBounded,
  localKeptVersions,
  localNames,
  type KeptEntry,
} from './local-walk.js';

/** Objects processed at once on a target. */
const concurrency = 4;

/**
 * What a protection job walks on a target: the current objects, then, in a bucket that keeps (or
 * kept) history, every kept version and delete marker.
 */
export function filesOf(
  store: LocalStore,
  bucket: BucketJson,
  props: BucketPropsJson,
): AsyncIterable<{ name: string; size: number; kept?: KeptEntry['kept'] }> {
  const current = localNames(store, bucket, 'ob');
  if (keptHistoryOf(props) === undefined) return current;
  return concat(current, localKeptVersions(store, bucket));
}

export class MakeCopiesJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson,
    private readonly copies: number,
    private readonly protection: DataProtection,
    private readonly props: () => BucketPropsJson,
  ) {
    super(id, 'make-n-copies', bucket);
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const bucket = this.bucket as BucketJson;
    const { store } = this.protection;
    await forEachBounded(
      filesOf(store, bucket, this.props()),
      concurrency,
      signal,
      async (entry) => {
        const report = await store.repairCopies({
          bucket,
          name: entry.name,
          copies: this.copies,
          verify: false,
          versionId: entry.kept?.versionId,
        });
        if (!report.intact) log.warn('make-n-copies: no intact replica', { entry });
        this.counters.localObjects += 1;
        this.counters.localBytes += entry.size * report.created;
        this.extraCounters['copies-created'] =
          (this.extraCounters['copies-created'] ?? 0) + report.created;
        this.extraCounters['copies-removed'] =
          (this.extraCounters['copies-removed'] ?? 0) + report.removed;
      },
    );
  }
}

export class EncodeBucketJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson,
    private readonly protection: DataProtection,
    private readonly props: () => BucketPropsJson,
  ) {
    super(id, 'ec-encode', bucket);
  }

  protected async execute(signal: AbortSignal): Promise<void> {
    const bucket = this.bucket as BucketJson;
    const { erasure, store } = this.protection;
    const map = erasure.clusterMap();
    await forEachBounded(
      filesOf(store, bucket, this.props()),
      concurrency,
      signal,
      async (entry) => {
        if (map?.ownerOf(objectUname(bucket, entry.name))?.id !== erasure.nodeId) return;
        const { ec } = this.props();
        const report = await ensurePieces(erasure, bucket, entry.name, ec, false, entry.kept);
        this.counters.localObjects += 1;
        this.counters.localBytes += entry.size;
        this.counters.outObjects += report.repaired;
      },
    );
  }
}
