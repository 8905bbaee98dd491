// One target's share of global rebalance g<N>: walk every local object, send each one whose HRW
// owner under the current cluster map is another target (bounded concurrency, retried passes),
// record the walk as done, then wait until every other target's walk is done too, so that when
// g<N> ends here nothing more will arrive and every object is where the map says.
import { rebalanceJobId } from '../../wire/index.js';
import { Job } from '../../jobs/index.js';
import { mapBounded } from '../../storage/io/index.js';
import { apiPath, objectUname, Resource, type BucketJson } from '../../wire/index.js';
import type { Logger } from '../../util/log.js';
import { sleep } from '../../util/time.js';
import { sendObject } from './object-transfer.js';
import {
  statusSegment,
  type RebalanceEnvironment,
  type RebalanceStatusJson,
} from './rebalance-environment.js';

/** Names read per listing page while walking. */
const walkPageSize = 1000;
/** Passes over objects that failed to move before the job gives up (with growing pauses). */
const maxPasses = 30;

interface Pending {
  bucket: BucketJson;
  name: string;
}

export class RebalanceJob extends Job {
  constructor(
    readonly generation: number,
    private readonly environment: RebalanceEnvironment,
    private readonly keepsHistory: (bucket: BucketJson) => boolean,
    /** Tells targets back in the map of deletes they missed (before the walk: see DeletedWhileAway). */
    private readonly deliverTombstones?: (signal: AbortSignal) => Promise<void>,
  ) {
    super(rebalanceJobId(generation), 'rebalance', undefined);
  }

  /** Counts an object another target sent here for this rebalance. */
  received(sizeBytes: number): void {
    this.counters.inObjects += 1;
    this.counters.inBytes += sizeBytes;
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const { marker } = this.environment;
    if (marker.progress.walked < this.generation) {
      await this.environment.beforeWalk?.();
      // The tombstones stay owed when this fails (their log unwritable, say): the next rebalance
      // tries again; the walk must not fail for it.
      await this.deliverTombstones?.(signal).catch((error: unknown) =>
        log.warn('tombstones not delivered: left for the next rebalance', { error }),
      );
      if (signal.aborted) return;
      await this.#walk(signal, log);
      if (signal.aborted) return;
      await marker.record({ walked: this.generation });
    }
    await this.#waitForPeers(signal);
    if (signal.aborted) return;
    await this.environment.afterPlacementChange?.(signal, log);
    if (signal.aborted) return;
    await marker.record({ completed: Math.max(marker.progress.completed, this.generation) });
  }

  async #walk(signal: AbortSignal, log: Logger): Promise<void> {
    let failed = await this.#walkAll(signal);
    for (let pass = 2; failed.length > 0 && !signal.aborted; pass += 1) {
      if (pass > maxPasses) {
        const example = failed[0];
        throw new Error(
          `${failed.length} objects could not be moved (e.g. ${example?.bucket.name}/${example?.name})`,
        );
      }
      log.warn('rebalance: retrying objects that did not move', {
        job: this.id,
        count: failed.length,
        pass,
      });
      await sleep(Math.min(5000, 250 * pass), signal);
      const retry = failed;
      failed = [];
      await mapBounded(retry, this.#concurrency(), (item) => this.#move(item, failed, log));
    }
  }

  /** One pass over every bucket; returns the objects that failed to move. */
  async #walkAll(signal: AbortSignal): Promise<Pending[]> {
    const { metadata, nodeId, log } = this.environment;
    const failed: Pending[] = [];
    for (const { bucket, props } of metadata.bucketMetadata?.list() ?? []) {
      // A bucket being renamed has no objects left: they are under its new name.
      if (props.renamed_to !== undefined) continue;
      let startAfter = '';
      for (;;) {
        if (signal.aborted) return failed;
        const names = await this.#page(bucket, startAfter);
        const map = metadata.clusterMap;
        const misplaced = names.filter(
          (name) => map?.ownerOf(objectUname(bucket, name))?.id !== nodeId,
        );
        await mapBounded(misplaced, this.#concurrency(), (name) =>
          this.#move({ bucket, name }, failed, log),
        );
        if (names.length < walkPageSize) break;
        startAfter = names[names.length - 1] ?? '';
      }
    }
    return failed;
  }

  /**
   * The next names of the bucket: its objects, and in a bucket that keeps history also names whose
   * versions are all kept (the latest a delete marker).
   */
  async #page(bucket: BucketJson, startAfter: string): Promise<string[]> {
    const { store } = this.environment;
    if (this.keepsHistory(bucket)) {
      const versions = await store.listVersions(bucket, {
        prefix: '',
        startAfter,
        limit: walkPageSize,
      });
      return [...new Set(versions.map((version) => version.name))];
    }
    const page = await store.listObjects(bucket, {
      ...(startAfter === '' ? {} : { startAfter }),
      limit: walkPageSize,
      withMetadata: false,
    });
    return page.map((entry) => entry.name);
  }

  async #move(item: Pending, failed: Pending[], log: Logger): Promise<void> {
    const { metadata, nodeId, store, client } = this.environment;
    if (this.signal.aborted) return;
    const owner = metadata.clusterMap?.ownerOf(objectUname(item.bucket, item.name));
    if (owner === undefined || owner.id === nodeId) return;
    const timeoutMs = metadata.config.values.rebalance.transfer_timeout_ms;
    try {
      const { outcome, sizeBytes } = await sendObject(
        { store, client, timeoutMs },
        owner,
        item.bucket,
        item.name,
        this.id,
        this.keepsHistory(item.bucket),
      );
      if (outcome === 'moved') {
        this.counters.outObjects += 1;
        this.counters.outBytes += sizeBytes;
      }
    } catch (error) {
      failed.push(item);
      log.debug('rebalance: object not moved yet', { name: item.name, owner: owner.id, error });
    }
  }

  /** Polls every other target of the current map until each reports this walk done. */
  async #waitForPeers(signal: AbortSignal): Promise<void> {
    const { metadata, nodeId, client } = this.environment;
    const done = new Set<string>();
    while (!signal.aborted) {
      const peers = [...(metadata.clusterMap?.targets.values() ?? [])].filter(
        (target) => target.id !== nodeId && !done.has(target.id),
      );
      if (peers.length === 0) return;
      const timeoutMs = Math.min(2000, metadata.config.values.timeouts.control_ms);
      await Promise.all(
        peers.map(async (peer) => {
          try {
            const status = (await client.requestJson(
              `${peer.intraUrl}${apiPath(Resource.rebalance, statusSegment)}`,
              { method: 'GET', timeoutMs },
            )) as RebalanceStatusJson;
            if (status.walked >= this.generation) done.add(peer.id);
          } catch {
            // Down or restarting: it resumes this rebalance when it is back (or leaves the map).
          }
        }),
      );
      if (peers.every((peer) => done.has(peer.id))) return;
      await sleep(Math.max(200, metadata.config.values.keepalive.interval_ms / 2), signal);
    }
  }

  #concurrency(): number {
    return this.environment.metadata.config.values.rebalance.concurrency;
  }
}
