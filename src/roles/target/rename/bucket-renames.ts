// move-bck on a target (AIStore renames the bucket in its metadata first, then each target renames
// the bucket's directories in place): once the bucket metadata marks a bucket renamed, a write to
// the old name is refused (a write under way is waited for, at most `drainTimeoutMs`), jobs on it
// stop, and its directories on every mountpath become the new name's. This happens before the
// target acknowledges the metadata, and gateways are told after the targets; the primary, though,
// knows the new name first, so a request for it waits here for the metadata and the rename
// (`ready`). A target that missed the change (down) renames when the metadata reaches it, before
// its rebalance walk (see `settled`).
import type { MetadataChange } from '../../../cluster/index.js';
import type { JobRegistry } from '../../../jobs/index.js';
import { bucketKeyOf } from '../../../jobs/index.js';
import type { LocalStore } from '../../../storage/index.js';
import { bucketDisplayName, type BucketJson } from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';

interface Rename {
  from: BucketJson;
  to: BucketJson;
}

/**
 * The renames a target missed (it was away while the old name was marked renamed and then
 * removed): buckets its previous metadata had, whose bucket ID a current bucket names as a former
 * one (`renamed_from`), and whose name is now gone or another bucket's (created again since).
 * Their directories are renamed, not destroyed: they may hold the only replicas of objects this
 * target owned. The bucket ID tells the renamed bucket from a later one of the same name that was
 * destroyed. A bucket renamed back to its old name already has its directories.
 */
export function missedRenames(change: NonNullable<MetadataChange['bucketMetadata']>): Rename[] {
  const previous = change.previous;
  if (previous === undefined) return [];
  const renames: Rename[] = [];
  for (const { bucket, props } of change.current.list())
    for (const former of props.renamed_from ?? []) {
      const missed =
        previous.get(former.bucket)?.props.bid === former.bid &&
        change.current.get(former.bucket)?.props.bid !== former.bid &&
        bucketKeyOf(former.bucket) !== bucketKeyOf(bucket);
      if (missed) renames.push({ from: former.bucket, to: bucket });
    }
  return renames;
}

/** The longest wait for writes under way into a bucket being renamed; it is renamed after it. */
const drainTimeoutMs = 30_000;

export class BucketRenames {
  /** Writes under way, by bucket key. */
  readonly #writes = new Map<string, number>();
  /** Renames waiting for a bucket's writes to end, by bucket key. */
  readonly #waiting = new Map<string, Array<() => void>>();
  #applied: Promise<void> = Promise.resolve();
  /** The bucket ID each bucket's directories were last checked against, by bucket key. */
  readonly #settledIds = new Map<string, string>();
  /** Buckets that are a rename's new name (their requests wait for the rename; see `ready`). */
  #newNames: Set<string>;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
    private readonly jobs: JobRegistry,
  ) {
    this.#newNames = this.#renameDestinations();
    runtime.store.onChange((change) => {
      if (change.bucketMetadata === undefined) return;
      this.#newNames = this.#renameDestinations();
      void this.apply(missedRenames(change.bucketMetadata));
    });
  }

  /**
   * Runs a write into `bucket`: refused (as for a missing bucket) once the bucket is being
   * renamed, else counted so that a rename starting meanwhile waits for it to end.
   */
  async write<T>(bucket: BucketJson, run: () => Promise<T>): Promise<T> {
    lookupBucket(this.runtime, bucket);
    const key = bucketKeyOf(bucket);
    this.#writes.set(key, (this.#writes.get(key) ?? 0) + 1);
    let result: T;
    try {
      result = await run();
    } finally {
      this.#ended(key);
    }
    // It outlasted the rename's wait: what it wrote under the old name moves to the new one now.
    if (this.runtime.store.bucketMetadata?.get(bucket)?.props.renamed_to !== undefined)
      await this.apply();
    return result;
  }

  #ended(key: string): void {
    const left = (this.#writes.get(key) ?? 1) - 1;
    if (left > 0) {
      this.#writes.set(key, left);
      return;
    }
    this.#writes.delete(key);
    for (const wake of this.#waiting.get(key) ?? []) wake();
    this.#waiting.delete(key);
  }

  /**
   * Resolves once a request for `bucket` may look it up: when the node that routed it here knew
   * newer bucket metadata (`senderVersion`, as it travels; the primary applies a rename before it
   * reaches the targets), that metadata is awaited (at most a control-plane timeout: then the
   * request is answered by what is known); and when the bucket is a rename's new name, the rename of its directories here.
   * Per request, so the usual case costs one set lookup.
   */
  ready(bucket: BucketJson, senderVersion: string | undefined): Promise<void> | undefined {
    const store = this.runtime.store;
    const sender = senderVersion === undefined ? 0 : Number(senderVersion);
    const behind = Number.isSafeInteger(sender) && sender > (store.bucketMetadata?.version ?? 0);
    if (!behind && !this.#newNames.has(bucketKeyOf(bucket))) return undefined;
    return this.#readyAfterWait(bucket, behind ? sender : 0);
  }

  async #readyAfterWait(bucket: BucketJson, sender: number): Promise<void> {
    const store = this.runtime.store;
    // The sender's metadata is on its way (the primary pushes it to targets right after applying
    // it); without it the bucket may look missing, so the wait is as long as that push may take.
    if (sender > 0) {
      await store.waitForBucketMetadata(sender, store.config.values.timeouts.control_ms);
      const known = store.bucketMetadata?.version ?? 0;
      if (known < sender)
        this.runtime.log.warn('bucket metadata of a redirect did not arrive', {
          bucket: bucketDisplayName(bucket),
          sender,
          known,
        });
    }
    if (this.#newNames.has(bucketKeyOf(bucket))) await this.settled();
  }

  /** The keys of buckets that are a rename's new name, from the current bucket metadata. */
  #renameDestinations(): Set<string> {
    const names = new Set<string>();
    for (const { props } of this.runtime.store.bucketMetadata?.list() ?? [])
      if (props.renamed_to !== undefined) names.add(bucketKeyOf(props.renamed_to));
    return names;
  }

  /**
   * Applies every rename the bucket metadata asks for (again: it is idempotent), and the renames
   * this target `missed` (see `missedRenames`); then makes each bucket's directories hold its
   * current incarnation only (`#settleIncarnations`).
   */
  apply(missed: readonly Rename[] = []): Promise<void> {
    this.#applied = this.#applied.then(async () => {
      await this.#renameAll(missed).catch((error: unknown) => {
        this.runtime.log.error('bucket rename failed', { error });
      });
      await this.#settleIncarnations();
    });
    return this.#applied;
  }

  /**
   * A bucket destroyed and created again while this target was away (or restarted on its old
   * metadata) has a new bucket ID: what its directories hold of the destroyed one is removed here,
   * before the target serves or walks them (requests and the rebalance wait for `settled`). Each
   * bucket is checked once per ID (`#settledIds`).
   */
  async #settleIncarnations(): Promise<void> {
    const buckets = this.runtime.store.bucketMetadata?.list() ?? [];
    const claims = buckets.map(({ props }) => [
      props.bid,
      ...(props.renamed_from ?? []).map((former) => former.bid),
    ]);
    for (const [index, { bucket, props }] of buckets.entries()) {
      const key = bucketKeyOf(bucket);
      if (props.renamed_to !== undefined || this.#settledIds.get(key) === props.bid) continue;
      const formerBids = (props.renamed_from ?? []).map((former) => former.bid);
      const claimedBids = new Set(claims.filter((_, other) => other !== index).flat());
      try {
        const { removed, claimed } = await this.store.settleBucket(bucket, {
          bid: props.bid,
          formerBids,
          claimedBids,
        });
        // A directory another bucket claims (a rename not carried out here yet, or one that
        // failed) is left alone: checked again at the next change.
        if (claimed > 0)
          this.runtime.log.error("bucket directory holds another bucket's content: left as it is", {
            bucket: bucketDisplayName(bucket),
            bid: props.bid,
            mountpaths: claimed,
          });
        else this.#settledIds.set(key, props.bid);
        if (removed > 0)
          this.runtime.log.info('content of a destroyed bucket of the same name removed', {
            bucket: bucketDisplayName(bucket),
            bid: props.bid,
            mountpaths: removed,
          });
      } catch (error) {
        this.runtime.log.error('bucket incarnation not checked', {
          bucket: bucketDisplayName(bucket),
          error,
        });
      }
    }
  }

  /**
   * Checks every bucket's directories again (a mountpath attached or enabled may hold another
   * incarnation's): resolves once done, before a resilver may walk them.
   */
  recheck(): Promise<void> {
    this.#applied = this.#applied.then(() => {
      this.#settledIds.clear();
      return this.#settleIncarnations();
    });
    return this.#applied;
  }

  /** Resolves once the renames asked for so far are done. */
  settled(): Promise<void> {
    return this.#applied;
  }

  async #renameAll(missed: readonly Rename[]): Promise<void> {
    for (const { bucket, props } of this.runtime.store.bucketMetadata?.list() ?? []) {
      const to = props.renamed_to;
      if (to === undefined) continue;
      const key = bucketKeyOf(bucket);
      const reason = `bucket ${bucketDisplayName(bucket)} renamed to ${bucketDisplayName(to)}`;
      this.jobs.abort({ bucketKey: key }, reason);
      await this.#drained(key);
      await this.#rename(bucket, to);
    }
    for (const { from, to } of missed) await this.#rename(from, to);
  }

  async #rename(from: BucketJson, to: BucketJson): Promise<void> {
    const mountpaths = await this.store.renameBucket(from, to);
    if (mountpaths > 0)
      this.runtime.log.info('bucket renamed here', {
        from: bucketDisplayName(from),
        to: bucketDisplayName(to),
        mountpaths,
      });
  }

  /** Resolves when no write into the bucket is under way, or after `drainTimeoutMs`. */
  #drained(key: string): Promise<void> {
    if (!this.#writes.has(key)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, drainTimeoutMs);
      const waiting = this.#waiting.get(key) ?? [];
      waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#waiting.set(key, waiting);
    });
  }
}
