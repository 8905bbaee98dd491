// `lru`: evicts the least recently used cached objects of remote buckets from this target's
// mountpaths until each file system it found above `space.lowwm` is back below it (AIStore's
// lru-eviction). Only buckets with `lru.enabled` are touched, never an ais bucket (its objects exist
// nowhere else), and never an object read within the bucket's `lru.dont_evict_time`. Every cached
// object of a remote bucket is also in the remote (writes go through before they commit), so
// evicting one loses nothing: the next GET is a cold GET. Started on demand (`start`, kind `lru`) or
// by the target itself when a file system passes `space.highwm` (roles/target/space).
import { parseGoDuration } from '../../config/index.js';
import type { BucketEntry } from '../../cluster/index.js';
import { isStoreError } from '../../errors/index.js';
import type { MountpathCapacity } from '../../storage/index.js';
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
  evictedBytes: 'lru-evicted-bytes',
} as const;

/** Objects read per listing page while looking for candidates. */
const listPageSize = 1000;

/** A file system to bring below the low watermark, and the mountpaths on it. */
interface FileSystemGoal {
  readonly mountpaths: Set<string>;
  readonly selection: LruSelection;
}

class LruJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson | undefined,
    private readonly buckets: readonly BucketJson[],
    private readonly environment: TargetJobEnvironment,
  ) {
    super(id, 'lru', bucket);
    for (const counter of Object.values(LruCounter)) this.extraCounters[counter] = 0;
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const { store } = this.environment;
    const { lowwm } = this.environment.clusterConfig().space;
    // Reads recorded in memory count: they are written to the files before anything is compared.
    const flushed = await store.flushAccessTimes();
    if (flushed.failed > 0) log.warn('lru: access times not written', { failed: flushed.failed });
    const selected = this.#selectBuckets();
    const evictable = selected.filter(
      (entry) => this.environment.isRemoteBucket(entry.bucket) && entry.props.lru.enabled,
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
    const byMountpath = new Map<string, LruSelection>();
    for (const goal of goals.values())
      for (const mountpath of goal.mountpaths) byMountpath.set(mountpath, goal.selection);
    const nowNs = BigInt(this.environment.store.clock.nowMs()) * 1_000_000n;
    for (const [bucketIndex, { bucket, props }] of buckets.entries()) {
      const keepNs =
        BigInt(Math.round(parseGoDuration(props.lru.dont_evict_time, 'lru.dont_evict_time'))) *
        1_000_000n;
      let startAfter: string | undefined;
      for (;;) {
        if (signal.aborted) return;
        const page = await this.environment.store.listObjects(bucket, {
          limit: listPageSize,
          withMetadata: true,
          ...(startAfter === undefined ? {} : { startAfter }),
        });
        for (const object of page) {
          const selection = byMountpath.get(object.mountpath);
          if (selection === undefined || object.accessTimeNs > nowNs - keepNs) continue;
          selection.add({
            bucketIndex,
            name: object.name,
            atimeNs: object.accessTimeNs,
            size: object.size,
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
    for (const [filesystem, { selection }] of goals) {
      let freed = 0;
      for (const candidate of selection.oldestFirst()) {
        if (signal.aborted || freed >= selection.bytesToFree) break;
        const { bucket } = buckets[candidate.bucketIndex] as BucketEntry;
        try {
          await this.environment.evictObject(bucket, candidate.name);
        } catch (error) {
          // Deleted or evicted meanwhile: nothing to free.
          if (isStoreError(error) && error.code === 'ObjectNotFound') continue;
          throw error;
        }
        freed += candidate.size;
        this.counters.localObjects += 1;
        this.counters.localBytes += candidate.size;
        this.extraCounters[LruCounter.evictedObjects] = this.counters.localObjects;
        this.extraCounters[LruCounter.evictedBytes] = this.counters.localBytes;
      }
      log.info('lru: file system done', { job: this.id, filesystem, freed });
    }
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
      selection: new LruSelection(excess),
    };
    goal.mountpaths.add(capacity.mountpath);
    goals.set(capacity.filesystem, goal);
  }
  return goals;
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
    const buckets = Array.isArray(request.args) ? (request.args as BucketJson[]) : [];
    const all = request.bucket === undefined ? buckets : [request.bucket, ...buckets];
    return new LruJob(request.id, request.bucket, all, environment);
  },
};
