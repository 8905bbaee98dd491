// `lru`: evicts the least recently used cached objects of remote buckets from this target's
// mountpaths until each file system it found above `space.lowwm` is back below it (AIStore's
// lru-eviction). Only buckets with `lru.enabled` are touched (or, with `Force`, the buckets named
// whatever their `lru.enabled`), never an ais bucket (its objects exist nowhere else), and never an
// object read within the bucket's `lru.dont_evict_time` — asked again just before it goes. Every cached
// object of a remote bucket is also in the remote (writes go through before they commit), so
// evicting one loses nothing: the next GET is a cold GET. Started on demand (`start`, kind `lru`) or
// by the target itself when a file system passes `space.highwm` (roles/target/space).
import { parseGoDuration } from '../../config/index.js';
import type { BucketEntry } from '../../cluster/index.js';
import type { ColdReplica, MountpathCapacity } from '../../storage/index.js';
import type { Logger } from '../../util/log.js';
import type { BucketJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';
import { LruSelection } from './lru-selection.js';

/** LRU's own counters in the snapshot's stats (beside AIStore's standard ones). */
export const LruCounter = {
  /** Buckets whose objects may be evicted (remote buckets with `lru.enabled`). */
  remoteBuckets: 'lru-remote-buckets',
  /** ais buckets looked at and left alone. */
  skippedBuckets: 'lru-skipped-ais-buckets',
  evictedObjects: 'lru-evicted-objs',
  /** Replicas plus mirror copies, on this target (EC pieces live on other targets). */
  evictedBytes: 'lru-evicted-bytes',
  /** Chosen, then read again before they went: kept. */
  readMeanwhile: 'lru-read-meanwhile',
} as const;

/**
 * Replicas read per listing page while looking for candidates: each page walks the directories
 * down to where the last one ended, so larger pages walk less.
 */
const listPageSize = 10_000;
/**
 * Candidates evicted per batch: a few thread-pool jobs remove them all (one per object bounded
 * the run near 2,000 objects/s, hand-offs rather than disk).
 */
const batchSize = 256;
/** Batches in flight at once on a file system. */
const batchesInFlight = 4;

/** A cached object that may go, as the listing saw it. */
interface EvictionCandidate extends ColdReplica {
  readonly bucketIndex: number;
  readonly atimeNs: bigint;
  /** Bytes its eviction frees on the candidate's file system (the replica and copies there). */
  readonly size: number;
  readonly objectSize: number;
}

/** A file system to bring below the low watermark, the mountpaths on it, and what went so far. */
interface FileSystemGoal {
  readonly mountpaths: Set<string>;
  readonly selection: LruSelection<EvictionCandidate>;
  freed: number;
}

/** The job's arguments (AIStore's `Buckets` and `Force` of the start message). */
export interface LruArgs {
  readonly Buckets?: readonly BucketJson[];
  /** Evict from the buckets named even where `lru.enabled` is false (never from ais buckets). */
  readonly Force?: boolean;
}

class LruJob extends Job {
  /** Each selected bucket's `lru.dont_evict_time` in ns, by the candidates' bucket index. */
  #keepNs: bigint[] = [];

  constructor(
    id: string,
    bucket: BucketJson | undefined,
    private readonly buckets: readonly BucketJson[],
    private readonly force: boolean,
    private readonly environment: TargetJobEnvironment,
  ) {
    super(id, 'lru', bucket);
    for (const counter of Object.values(LruCounter)) this.extraCounters[counter] = 0;
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const { store } = this.environment;
    const { lowwm } = this.environment.clusterConfig().space;
    // Reads recorded in memory count: they are written to the files before anything is compared.
    const flushed = await store.cold.flushAccessTimes();
    if (flushed.failed > 0) log.warn('lru: access times not written', { failed: flushed.failed });
    const selected = this.#selectBuckets();
    const evictable = selected.filter(
      (entry) =>
        this.environment.isRemoteBucket(entry.bucket) && (entry.props.lru.enabled || this.force),
    );
    this.extraCounters[LruCounter.remoteBuckets] = evictable.length;
    this.extraCounters[LruCounter.skippedBuckets] = selected.filter(
      (entry) => !this.environment.isRemoteBucket(entry.bucket),
    ).length;
    if (evictable.length === 0) {
      this.controlMessage =
        `nothing to evict: no remote buckets with lru.enabled; ` +
        `${this.extraCounters[LruCounter.skippedBuckets]} ais bucket(s) skipped ` +
        `(their objects exist only in the cluster and are never evicted)`;
      return;
    }
    const goals = fileSystemGoals(await store.capacity(), lowwm);
    if (goals.size === 0) {
      this.controlMessage = `nothing to evict: every mountpath is below lowwm (${lowwm}%)`;
      return;
    }
    await this.#findCandidates(evictable, goals, signal);
    await this.#evict(evictable, goals, signal, log);
    this.controlMessage = await this.#outcome(lowwm);
  }

  #selectBuckets(): BucketEntry[] {
    const known = this.environment.bucketMetadata()?.list() ?? [];
    if (this.buckets.length === 0) return known;
    return known.filter((entry) => this.buckets.some((bucket) => sameBucket(entry.bucket, bucket)));
  }

  /** Every object old enough to go, offered to its file system's selection. */
  async #findCandidates(
    buckets: readonly BucketEntry[],
    goals: Map<string, FileSystemGoal>,
    signal: AbortSignal,
  ): Promise<void> {
    const byMountpath = goalsByMountpath(goals);
    const nowNs = BigInt(this.environment.store.clock.nowMs()) * 1_000_000n;
    this.#keepNs = buckets.map(
      ({ props }) =>
        BigInt(Math.round(parseGoDuration(props.lru.dont_evict_time, 'lru.dont_evict_time'))) *
        1_000_000n,
    );
    for (const [bucketIndex, { bucket }] of buckets.entries()) {
      const keepNs = this.#keepNs[bucketIndex] ?? 0n;
      let startAfter: string | undefined;
      for (;;) {
        if (signal.aborted) return;
        const page = await this.environment.store.listReplicas(bucket, {
          limit: listPageSize,
          ...(startAfter === undefined ? {} : { startAfter }),
        });
        const readBeforeNs = nowNs - keepNs;
        for (const replica of page) {
          const goal = byMountpath.get(replica.mountpath);
          if (goal === undefined || replica.accessTimeNs > readBeforeNs) continue;
          const { copies } = replica;
          // Mirror copies on the same file system free space there too.
          const here =
            copies.length === 0
              ? 0
              : copies.filter((path) => goalOf(byMountpath, path) === goal).length;
          goal.selection.add({
            bucketIndex,
            name: replica.name,
            atimeNs: replica.accessTimeNs,
            size: replica.size * (1 + here),
            objectSize: replica.size,
            mountpath: replica.mountpath,
            modifiedTimeMs: replica.modifiedTimeMs,
            copies,
            chunked: replica.chunked,
          });
        }
        if (page.length < listPageSize) break;
        startAfter = page[page.length - 1]?.name;
      }
    }
  }

  async #evict(
    buckets: readonly BucketEntry[],
    goals: Map<string, FileSystemGoal>,
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    const byMountpath = goalsByMountpath(goals);
    for (const [filesystem, goal] of goals) {
      const { selection } = goal;
      const queue = selection.oldestFirst();
      let next = 0;
      // Bytes in flight count as freed until they fail, so the run stops where one at a time would.
      let inFlight = 0;
      /** The next oldest candidates of one bucket, as many as may still be needed. */
      const take = (): EvictionCandidate[] => {
        const batch: EvictionCandidate[] = [];
        let bytes = 0;
        for (; next < queue.length && batch.length < batchSize; next += 1) {
          const candidate = queue[next] as EvictionCandidate;
          if (goal.freed + inFlight + bytes >= selection.bytesToFree) break;
          if (batch.length > 0 && candidate.bucketIndex !== batch[0]?.bucketIndex) break;
          batch.push(candidate);
          bytes += candidate.size;
        }
        inFlight += bytes;
        return batch;
      };
      const worker = async (): Promise<void> => {
        for (let batch = take(); batch.length > 0 && !signal.aborted; batch = take()) {
          try {
            await this.#evictBatch(buckets, batch, byMountpath);
          } finally {
            for (const candidate of batch) inFlight -= candidate.size;
          }
        }
      };
      await Promise.all(Array.from({ length: batchesInFlight }, worker));
      log.info('lru: file system done', { job: this.id, filesystem, freed: goal.freed });
    }
  }

  /** One batch of one bucket's candidates, each gone unless read within `lru.dont_evict_time`. */
  async #evictBatch(
    buckets: readonly BucketEntry[],
    batch: readonly EvictionCandidate[],
    byMountpath: Map<string, FileSystemGoal>,
  ): Promise<void> {
    const bucketIndex = (batch[0] as EvictionCandidate).bucketIndex;
    const { bucket } = buckets[bucketIndex] as BucketEntry;
    const keepMs = Number((this.#keepNs[bucketIndex] ?? 0n) / 1_000_000n);
    const readBeforeMs = this.environment.store.clock.nowMs() - keepMs;
    const outcomes = await this.environment.evictColdObjects(bucket, batch, readBeforeMs);
    for (const [index, outcome] of outcomes.entries()) {
      const candidate = batch[index] as EvictionCandidate;
      if (outcome === 'kept')
        this.extraCounters[LruCounter.readMeanwhile] =
          (this.extraCounters[LruCounter.readMeanwhile] ?? 0) + 1;
      if (outcome !== 'evicted') continue;
      // The replica and each mirror copy free their size where they were.
      const home = byMountpath.get(candidate.mountpath);
      if (home !== undefined) home.freed += candidate.objectSize;
      for (const path of candidate.copies) {
        const other = goalOf(byMountpath, path);
        if (other !== undefined) other.freed += candidate.objectSize;
      }
      this.counters.localObjects += 1;
      this.counters.localBytes += candidate.objectSize * (1 + candidate.copies.length);
    }
    this.extraCounters[LruCounter.evictedObjects] = this.counters.localObjects;
    this.extraCounters[LruCounter.evictedBytes] = this.counters.localBytes;
  }

  async #outcome(lowwm: number): Promise<string> {
    const evicted = `evicted ${this.counters.localObjects} object(s), ${this.counters.localBytes} bytes`;
    const over = fileSystemGoals(await this.environment.store.capacity(), lowwm);
    if (over.size === 0) return `${evicted}; every mountpath is below lowwm (${lowwm}%)`;
    return `${evicted}; still above lowwm (${lowwm}%): ${[...over.values()]
      .map((goal) => [...goal.mountpaths].join(','))
      .join('; ')} (nothing else may be evicted)`;
  }
}

/**
 * The file systems above `lowwm` percent used, by device, with the bytes that bring each back to
 * it (mountpaths sharing a file system share its capacity).
 */
function fileSystemGoals(
  capacities: readonly MountpathCapacity[],
  lowwm: number,
): Map<string, FileSystemGoal> {
  const goals = new Map<string, FileSystemGoal>();
  for (const capacity of capacities) {
    if (capacity.totalBytes === 0) continue;
    const excess = capacity.usedBytes - Math.floor((capacity.totalBytes * lowwm) / 100);
    if (excess <= 0) continue;
    const goal = goals.get(capacity.filesystem) ?? {
      mountpaths: new Set<string>(),
      selection: new LruSelection<EvictionCandidate>(excess),
      freed: 0,
    };
    goal.mountpaths.add(capacity.mountpath);
    goals.set(capacity.filesystem, goal);
  }
  return goals;
}

function goalsByMountpath(goals: Map<string, FileSystemGoal>): Map<string, FileSystemGoal> {
  const byMountpath = new Map<string, FileSystemGoal>();
  for (const goal of goals.values())
    for (const mountpath of goal.mountpaths) byMountpath.set(mountpath, goal);
  return byMountpath;
}

/** The goal of the mountpath a mirror copy's path lies under (undefined: below lowwm there). */
function goalOf(
  byMountpath: Map<string, FileSystemGoal>,
  path: string,
): FileSystemGoal | undefined {
  for (const [mountpath, goal] of byMountpath) if (path.startsWith(`${mountpath}/`)) return goal;
  return undefined;
}

function sameBucket(a: BucketJson, b: BucketJson): boolean {
  return (
    a.name === b.name &&
    a.provider === b.provider &&
    (a.namespace?.uuid ?? '') === (b.namespace?.uuid ?? '') &&
    (a.namespace?.name ?? '') === (b.namespace?.name ?? '')
  );
}

/** `start` with `{"Kind": "lru"}`; `Bck` or `Buckets` narrow it (the gateway checked they exist). */
export const lruDefinition: JobDefinition = {
  kind: { name: 'lru', startable: true, bucketScoped: false, exclusive: true },
  create(request, environment) {
    const args = (request.args ?? {}) as LruArgs;
    const buckets = args.Buckets ?? [];
    const all = request.bucket === undefined ? buckets : [request.bucket, ...buckets];
    return new LruJob(request.id, request.bucket, all, args.Force === true, environment);
  },
};
