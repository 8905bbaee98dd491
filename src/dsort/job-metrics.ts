// A target's metrics of one dSort job in AIStore's shape (`ext/dsort/api_metrics.go`): the three
// phases with their times and counters, warnings and errors, and the JobInfo built from them;
// and the aggregation of several targets' JobInfo into one (AIStore's JobInfo.Aggregate).
import type { Clock } from '../util/clock.js';
import {
  zeroTime,
  type BucketJson,
  type DsortJobInfoJson,
  type DsortMetricsJson,
  type DsortPhaseJson,
} from '../wire/index.js';

/** Warnings and errors kept per job (a runaway reaction must not grow a node's memory). */
const maxMessages = 100;

export class Phase {
  startMs = 0;
  endMs = 0;

  constructor(private readonly clock: Clock) {}

  begin(): void {
    if (this.startMs === 0) this.startMs = this.clock.nowMs();
  }

  finish(): void {
    this.begin();
    if (this.endMs === 0) this.endMs = this.clock.nowMs();
  }

  get finished(): boolean {
    return this.endMs !== 0;
  }

  /** Nanoseconds from the start to the end (or to now while running). */
  get elapsedNs(): number {
    if (this.startMs === 0) return 0;
    return ((this.endMs === 0 ? this.clock.nowMs() : this.endMs) - this.startMs) * 1_000_000;
  }

  json(): DsortPhaseJson {
    return {
      started_time: isoTime(this.startMs),
      end_time: isoTime(this.endMs),
      elapsed: this.elapsedNs,
      running: this.startMs !== 0 && this.endMs === 0,
      finished: this.endMs !== 0,
    };
  }
}

function isoTime(ms: number): string {
  return ms === 0 ? zeroTime : new Date(ms).toISOString();
}

export class DsortMetrics {
  readonly extraction: Phase;
  readonly sorting: Phase;
  readonly creation: Phase;
  totalShards = 0;
  extractedShards = 0;
  extractedBytes = 0;
  extractedRecords = 0;
  toCreate = 0;
  created = 0;
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  aborted = false;
  archived = false;

  constructor(
    clock: Clock,
    readonly description: string,
  ) {
    this.extraction = new Phase(clock);
    this.sorting = new Phase(clock);
    this.creation = new Phase(clock);
  }

  warn(message: string): void {
    if (this.warnings.length < maxMessages) this.warnings.push(message);
  }

  fail(message: string): void {
    if (this.errors.length < maxMessages && !this.errors.includes(message))
      this.errors.push(message);
  }

  json(spilled: { files: number; bytes: number }): DsortMetricsJson {
    return {
      local_extraction: {
        ...this.extraction.json(),
        total_count: String(this.totalShards),
        extracted_count: String(this.extractedShards),
        extracted_size: String(this.extractedBytes),
        extracted_record_count: String(this.extractedRecords),
        extracted_to_disk_count: String(spilled.files),
        extracted_to_disk_size: String(spilled.bytes),
      },
      meta_sorting: this.sorting.json(),
      shard_creation: {
        ...this.creation.json(),
        to_create: String(this.toCreate),
        created_count: String(this.created),
        moved_shard_count: '0',
      },
      ...(this.description === '' ? {} : { description: this.description }),
      ...(this.warnings.length === 0 ? {} : { warnings: [...this.warnings] }),
      ...(this.errors.length === 0 ? {} : { errors: [...this.errors] }),
      aborted: this.aborted,
      archived: this.archived,
    };
  }

  jobInfo(
    id: string,
    buckets: { input: BucketJson; output: BucketJson },
    spilled: { files: number; bytes: number },
  ): DsortJobInfoJson {
    return {
      id,
      'src-bck': buckets.input,
      'dst-bck': buckets.output,
      started_time: isoTime(this.extraction.startMs),
      finish_time: isoTime(this.creation.endMs),
      started_meta_sorting: this.extraction.elapsedNs,
      started_shard_creation: this.sorting.elapsedNs,
      finished_shard_creation: this.creation.elapsedNs,
      'loc-objs': String(this.extractedShards),
      'loc-bytes': String(this.extractedBytes),
      Metrics: this.json(spilled),
      aborted: this.aborted,
      archived: this.archived,
    };
  }
}

/** One JobInfo for a job from every target's (earliest start, latest end, sums). */
export function aggregateJobInfo(infos: readonly DsortJobInfoJson[]): DsortJobInfoJson | undefined {
  const [first, ...rest] = infos;
  if (first === undefined) return undefined;
  const running = infos.some((info) => info.finish_time === zeroTime);
  const started = infos
    .map((info) => info.started_time ?? zeroTime)
    .filter((time) => time !== zeroTime)
    .sort()[0];
  const finished = infos.map((info) => info.finish_time ?? zeroTime).sort();
  const sum = (key: 'loc-objs' | 'loc-bytes'): string =>
    String(infos.reduce((total, info) => total + Number(info[key]), 0));
  const longest = (
    key: 'started_meta_sorting' | 'started_shard_creation' | 'finished_shard_creation',
  ): number => Math.max(...infos.map((info) => info[key] ?? 0));
  return {
    ...first,
    started_time: started ?? zeroTime,
    finish_time: running ? zeroTime : (finished[finished.length - 1] ?? zeroTime),
    started_meta_sorting: longest('started_meta_sorting'),
    started_shard_creation: longest('started_shard_creation'),
    finished_shard_creation: longest('finished_shard_creation'),
    'loc-objs': sum('loc-objs'),
    'loc-bytes': sum('loc-bytes'),
    aborted: infos.some((info) => info.aborted),
    archived: rest.every((info) => info.archived) && first.archived,
  };
}
