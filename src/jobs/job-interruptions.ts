// Job shares a target's crash or shutdown cut short. A share is recorded on disk when it starts
// and forgotten when it ends (share-journal.ts); at the target's next start each share still
// recorded runs again as a share that fails at once, naming the interruption. Without it the
// restarted target would not know the job, the gateway would aggregate the other targets' shares
// alone, and a copy or delete that never finished here would report success.
import type { Logger } from '../util/log.js';
import { parseBucketJson, type BucketJson, type StartJobRequestJson } from '../wire/index.js';
import { Job } from './job.js';
import type { ShareJournal } from './share-journal.js';

/** What is recorded of a running share: how it was started, and when. */
interface ShareRecordJson {
  kind: string;
  bucket?: BucketJson;
  created_bucket?: BucketJson;
  started_ms: number;
}

/** A share found recorded at start-up: the job it is now reported as, and its created bucket. */
export interface InterruptedShare {
  job: Job;
  createdBucket: BucketJson | undefined;
}

export class JobInterruptions {
  constructor(
    private readonly journal: ShareJournal,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  /** Records a share that started; resolves once the record is on disk. */
  started(request: StartJobRequestJson, startTime: Date): Promise<void> {
    // The ID names a file: gateways make them of letters, digits, `-` and `_`.
    if (!/^[\w-]+$/.test(request.id))
      return Promise.reject(new Error(`job ID "${request.id}" cannot name a record`));
    const record: ShareRecordJson = {
      kind: request.kind,
      ...(request.bucket === undefined ? {} : { bucket: request.bucket }),
      ...(request.created_bucket === undefined ? {} : { created_bucket: request.created_bucket }),
      started_ms: startTime.getTime(),
    };
    return this.journal.record(request.id, record);
  }

  /** The share ended (not by the node's own shutdown: see `suspend`). */
  ended(id: string): Promise<void> {
    return this.journal.forget(id);
  }

  /** Reported: its record goes, even while the node shuts down. */
  reported(id: string): Promise<void> {
    return this.journal.remove(id);
  }

  /** The node is shutting down: the shares it aborts now are reported at its next start. */
  suspend(): void {
    this.journal.suspend();
  }

  /** The shares still recorded from before this start, each as a job that fails when run. */
  async interrupted(): Promise<InterruptedShare[]> {
    const restartedAt = new Date();
    const records = await this.journal.pending((_id, value) => parseRecord(value) !== undefined);
    return records.flatMap(({ id, value }) => {
      const record = parseRecord(value);
      if (record === undefined) return [];
      this.log.warn('a job share was cut short by a crash or shutdown: reported as failed', {
        job: id,
        kind: record.kind,
      });
      const reason =
        `interrupted: target ${this.nodeId} stopped while running its share of ${record.kind}[${id}] ` +
        `(started again at ${restartedAt.toISOString()}); the job did not complete`;
      return [
        {
          job: new InterruptedJob(
            id,
            record.kind,
            record.bucket,
            new Date(record.started_ms),
            reason,
          ),
          createdBucket: record.created_bucket,
        },
      ];
    });
  }
}

/** A share that cannot go on: it fails at once with `reason`. */
class InterruptedJob extends Job {
  constructor(
    id: string,
    kind: string,
    bucket: BucketJson | undefined,
    startTime: Date,
    private readonly reason: string,
  ) {
    super(id, kind, bucket, startTime);
  }

  protected execute(): Promise<void> {
    return Promise.reject(new Error(this.reason));
  }
}

function parseRecord(value: Record<string, unknown>): ShareRecordJson | undefined {
  const { kind, started_ms: startedMs } = value;
  if (typeof kind !== 'string' || kind === '' || typeof startedMs !== 'number') return undefined;
  const bucket = optionalBucket(value['bucket']);
  const created = optionalBucket(value['created_bucket']);
  if (bucket === null || created === null) return undefined;
  return {
    kind,
    started_ms: startedMs,
    ...(bucket === undefined ? {} : { bucket }),
    ...(created === undefined ? {} : { created_bucket: created }),
  };
}

/** A recorded bucket: undefined when absent, null when unreadable. */
function optionalBucket(value: unknown): BucketJson | undefined | null {
  if (value === undefined) return undefined;
  const bucket = parseBucketJson(value);
  return typeof bucket === 'string' ? null : bucket;
}
