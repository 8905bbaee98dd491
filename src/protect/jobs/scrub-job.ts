// `scrub`: each target checks every object it owns (every replica and mirror copy read and
// verified, every EC piece verified by its holder; the lost and corrupt ones re-created) and asks
// the owner of every piece it holds for someone else to check that object or kept version is there
// (a HEAD of the object, or an `ensureKept` of the version, which restore it when the owner lost
// it: a new owner after a loss knows of a kept version only through its pieces). Counts: checked,
// corrupt, repaired, unrecoverable.
import { isStoreError } from '../../errors/index.js';
import { Job, type TargetJobEnvironment } from '../../jobs/index.js';
import type { Logger } from '../../util/log.js';
import {
  apiPath,
  bucketQuery,
  objectUname,
  Query,
  Resource,
  type BucketJson,
  type BucketPropsJson,
  type ErasureMetadataJson,
} from '../../wire/index.js';
import type { CheckOutcome, DataProtection } from '../data-protection.js';
import { isMainReplica } from '../ec/local-pieces.js';
import { keptVersionOf } from '../ec/version-pieces.js';
import { filesOf } from './copies-and-encode-jobs.js';
import { forEachBounded, localNames } from './local-walk.js';

/** Objects checked at once on a target. */
const concurrency = 4;

/** Scrub's own counters in the snapshot's stats (beside AIStore's standard ones). */
export const ScrubCounter = {
  checked: 'scrub-checked',
  corrupt: 'scrub-corrupt',
  repaired: 'scrub-repaired',
  unrecoverable: 'scrub-unrecoverable',
  degraded: 'scrub-degraded',
  errors: 'scrub-errors',
} as const;

export class ScrubJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson,
    private readonly protection: DataProtection,
    private readonly environment: TargetJobEnvironment,
    private readonly props: () => BucketPropsJson,
  ) {
    super(id, 'scrub', bucket);
    for (const counter of Object.values(ScrubCounter)) this.extraCounters[counter] = 0;
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const bucket = this.bucket as BucketJson;
    const { store } = this.protection;
    await forEachBounded(
      filesOf(store, bucket, this.props()),
      concurrency,
      signal,
      async (entry) => {
        if (!this.#owns(entry.name)) return;
        this.#count(ScrubCounter.checked);
        this.counters.localObjects += 1;
        this.counters.localBytes += entry.size;
        let outcome: CheckOutcome;
        try {
          outcome =
            entry.kept === undefined
              ? await this.protection.checkObject(bucket, entry.name, this.props())
              : await this.protection.checkKept(bucket, entry.name, entry.kept, this.props());
        } catch (error) {
          log.warn('scrub: check failed', { job: this.id, entry, error });
          this.#count(ScrubCounter.errors);
          return;
        }
        if (outcome === 'repaired' || outcome === 'unrecoverable')
          this.#count(ScrubCounter.corrupt);
        if (outcome === 'repaired') this.#count(ScrubCounter.repaired);
        if (outcome === 'unrecoverable') this.#count(ScrubCounter.unrecoverable);
        if (outcome === 'degraded') this.#count(ScrubCounter.degraded);
      },
    );
    if (!this.props().ec.enabled) return;
    // Pieces are `%ec` files (their metafile in the record or under `%mt`); main replicas'
    // metafiles are `%mt` files alone, and a piece's `%mt` was seen with its `%ec` file.
    for (const [tree, mainReplicas] of [
      ['ec', false],
      ['mt', true],
    ] as const) {
      await forEachBounded(localNames(store, bucket, tree), concurrency, signal, async (entry) => {
        const metadata = await this.protection.erasure.pieces
          .metadata(bucket, entry.name)
          .catch(() => undefined);
        if (metadata === undefined || isMainReplica(metadata) !== mainReplicas) return;
        await this.#askOwnerOf(bucket, entry.name, metadata, log);
      });
    }
  }

  /** Asks the owner of what a piece or main replica's metafile held here describes to check it. */
  async #askOwnerOf(
    bucket: BucketJson,
    name: string,
    metadata: ErasureMetadataJson,
    log: Logger,
  ): Promise<void> {
    const kept = keptVersionOf(metadata);
    if (kept === undefined) {
      if (!this.#owns(name)) await this.#askOwner(bucket, name, log);
      return;
    }
    await this.#askKeptOwner(bucket, kept, metadata, log);
  }

  /** The owner of a kept version a piece held here belongs to makes sure it has the version. */
  async #askKeptOwner(
    bucket: BucketJson,
    kept: { name: string; versionId: string },
    metadata: ErasureMetadataJson,
    log: Logger,
  ): Promise<void> {
    const owner = this.environment.clusterMap()?.ownerOf(objectUname(bucket, kept.name));
    if (owner === undefined) return;
    try {
      const outcome =
        owner.id === this.environment.nodeId
          ? await this.protection.ensureKept(bucket, kept.name, kept.versionId, this.props())
          : await this.protection.erasure.peers.ensureKept(owner, bucket, kept.name, metadata);
      if (owner.id !== this.environment.nodeId) this.counters.outObjects += 1;
      if (outcome === 'restored' || outcome === 'unrecoverable') this.#count(ScrubCounter.corrupt);
      if (outcome === 'restored') this.#count(ScrubCounter.repaired);
      if (outcome === 'unrecoverable') this.#count(ScrubCounter.unrecoverable);
      // The owner's map and this target's disagree (a map change under way): asked again next time.
      if (outcome === 'not-owner') this.#count(ScrubCounter.errors);
    } catch (error) {
      log.warn('scrub: owner check of a kept version failed', { job: this.id, kept, error });
      this.#count(ScrubCounter.errors);
    }
  }

  /** A HEAD at the owner: it restores the object (and its pieces) if it lost it. */
  async #askOwner(bucket: BucketJson, name: string, log: Logger): Promise<void> {
    const owner = this.environment.clusterMap()?.ownerOf(objectUname(bucket, name));
    if (owner === undefined) return;
    const query = bucketQuery(bucket);
    query.set(Query.redirectProxyId, this.environment.nodeId);
    try {
      await this.environment.client.requestJson(
        `${owner.intraUrl}${apiPath(Resource.objects, bucket.name, name)}?${query.toString()}`,
        { method: 'HEAD', timeoutMs: 120_000 },
      );
      this.counters.outObjects += 1;
    } catch (error) {
      if (isStoreError(error) && error.code === 'ObjectNotFound') return;
      log.warn('scrub: owner check failed', { job: this.id, name, owner: owner.id, error });
      this.#count(ScrubCounter.errors);
    }
  }

  #owns(name: string): boolean {
    const map = this.environment.clusterMap();
    return (
      map?.ownerOf(objectUname(this.bucket as BucketJson, name))?.id === this.environment.nodeId
    );
  }

  #count(counter: string): void {
    this.extraCounters[counter] = (this.extraCounters[counter] ?? 0) + 1;
  }
}
