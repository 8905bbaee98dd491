// A target's rebalances: starts job g<N> when RMD version N arrives (aborting an older one: a newer
// rebalance supersedes it), resumes an unfinished one after a restart, answers peers' progress
// questions, and tells reads whether objects may still be at their previous owner.
import type { ClusterMap } from '../../cluster/index.js';
import type { JobRegistry } from '../../jobs/index.js';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sleep } from '../../util/time.js';
import { keptHistoryOf, objectUname, parseObjectUname, type BucketJson } from '../../wire/index.js';
import { commitTransferred, sendObject, type ReceivingBucket } from './object-transfer.js';
import type { TransferredObject } from './transfer-headers.js';
import type { RebalanceEnvironment, RebalanceStatusJson } from './rebalance-environment.js';
import { RebalanceJob } from './rebalance-job.js';
import {
  DeletedWhileAway,
  noUndo,
  type TombstonesJson,
  type UndoDelete,
} from './deleted-while-away.js';

/** Attempts to hand a misplaced fresh object to its owner before leaving it to a rebalance. */
const handOffAttempts = 5;
/** Deletes remembered during one rebalance (the oldest are forgotten past this). */
const maxRememberedDeletes = 100_000;

export class RebalanceManager {
  #job: RebalanceJob | undefined;
  /** Objects deleted here while a rebalance ran: uname → when. Copies moved in later are dropped. */
  readonly #deleted = new Map<string, number>();
  /** Deleted objects whose moved-in copy was dropped here (the DELETE found it that way). */
  readonly #dropped = new Set<string>();
  /** Deletes taken while a target was away from the map (none without a tombstone store). */
  readonly #away: DeletedWhileAway | undefined;
  /** Resolves once the deletes peers took while this target was away are applied (see caughtUp). */
  #caughtUp: Promise<void> = Promise.resolve();
  /** `#caughtUp` has not resolved yet (object requests must wait for it). */
  #behind = false;
  /** Called once this target joined: it asks its peers then. */
  #joined: (() => void) | undefined;

  constructor(
    private readonly environment: RebalanceEnvironment,
    private readonly registry: JobRegistry,
  ) {
    const { tombstones, dropDeleted } = environment;
    if (tombstones !== undefined && dropDeleted !== undefined)
      this.#away = new DeletedWhileAway(environment, tombstones);
  }

  /** Follows RMD changes from now on, and resumes the rebalance a restart interrupted. */
  start(): void {
    const { metadata, marker } = this.environment;
    const away = this.#away;
    if (metadata.clusterMap !== undefined) away?.follow(undefined, metadata.clusterMap);
    if (away !== undefined) {
      // Object requests wait from now until the join's question to the peers is answered.
      this.#waitFor(
        new Promise<void>((resolve) => (this.#joined = resolve)).then(() => this.#askPeers(away)),
      );
    }
    metadata.onChange((change) => {
      const maps = change.clusterMap;
      if (maps !== undefined) {
        away?.follow(maps.previous, maps.current);
        // Back in the map without a restart (dropped while alive, or out of maintenance).
        if (away !== undefined && this.#joined === undefined && this.#cameBack(maps))
          this.#waitFor(this.#caughtUp.then(() => this.#askPeers(away)));
      }
      if (change.rebalance !== undefined) this.#begin(change.rebalance.current.version);
    });
    const latest = metadata.rebalance;
    if (latest !== undefined && latest.version > marker.progress.completed) {
      this.environment.log.info('resuming an interrupted rebalance', { job: latest.jobId });
      this.#begin(latest.version);
    }
  }

  /** This target joined the cluster (it is in the map again): it asks its peers what it missed. */
  joined(): void {
    const joined = this.#joined;
    this.#joined = undefined;
    joined?.();
  }

  /**
   * Resolves once this target applied the deletes its peers took while it was away from the map
   * (asked at the join, and whenever it is active again after being absent or in maintenance).
   * Object requests wait for it: this target owns its names again, and must not serve a stale
   * replica of a deleted object. Bounded by the peers' answers (see DeletedWhileAway.askPeers).
   */
  caughtUp(): Promise<void> {
    return this.#caughtUp;
  }

  /** Whether `caughtUp` has resolved (then a request need not wait for it: no promise, no tick). */
  get isCaughtUp(): boolean {
    return !this.#behind;
  }

  #waitFor(caughtUp: Promise<void>): void {
    this.#caughtUp = caughtUp;
    this.#behind = true;
    // Never rejects (#askPeers logs its failures); a later wait replaces this one.
    void caughtUp.then(() => {
      if (this.#caughtUp === caughtUp) this.#behind = false;
    });
  }

  /** The tombstones this target owes `targetId` (asked by it on its return). */
  owedTo(targetId: string): TombstonesJson {
    return this.#away?.owedJson(targetId) ?? { tombstones: [] };
  }

  async #askPeers(away: DeletedWhileAway): Promise<void> {
    try {
      await away.askPeers((json) => this.applyTombstones(json));
    } catch (error) {
      this.environment.log.warn('deletes taken while away not all applied', { error });
    }
  }

  #cameBack({ previous, current }: { previous: ClusterMap | undefined; current: ClusterMap }) {
    const active = (map: ClusterMap | undefined): boolean =>
      map?.activeTargets().some(({ id }) => id === this.environment.nodeId) === true;
    return previous !== undefined && !active(previous) && active(current);
  }

  /** True while a rebalance runs here: a missing object may still be at its previous owner. */
  get active(): boolean {
    return this.#job?.running === true;
  }

  /** Whether this target owns `bucket/name` under its current cluster map. */
  owns(bucket: BucketJson, name: string): boolean {
    const { metadata, nodeId } = this.environment;
    return metadata.clusterMap?.ownerOf(objectUname(bucket, name))?.id === nodeId;
  }

  /**
   * After a PUT committed here: if this target does not own the object under its current map (it
   * was served on the word of a node with a newer map, or the map changed during the write), the
   * object goes to its owner before the PUT is acknowledged, so a walk that already passed it does
   * not leave it misplaced. If the owner cannot take it now, retries continue in the background.
   */
  async placeAfterPut(bucket: BucketJson, name: string): Promise<void> {
    if (this.owns(bucket, name)) return;
    if (await this.#handOff(bucket, name, 1)) return;
    void this.#retryHandOff(bucket, name);
  }

  async #retryHandOff(bucket: BucketJson, name: string): Promise<void> {
    for (let attempt = 2; attempt <= handOffAttempts; attempt += 1) {
      await sleep(500 * attempt);
      if (await this.#handOff(bucket, name, attempt)) return;
    }
  }

  /** One attempt; true when the object is where it belongs (sent, or this target owns it now). */
  async #handOff(bucket: BucketJson, name: string, attempt: number): Promise<boolean> {
    const { metadata, store, client, log } = this.environment;
    const owner = metadata.clusterMap?.ownerOf(objectUname(bucket, name));
    if (owner === undefined || owner.id === this.environment.nodeId) return true;
    try {
      const timeoutMs = metadata.config.values.rebalance.transfer_timeout_ms;
      const history = this.keepsHistory(bucket);
      await sendObject({ store, client, timeoutMs }, owner, bucket, name, '', history);
      log.info('handed a misplaced object to its owner', { name, owner: owner.id });
      return true;
    } catch (error) {
      log.warn('hand-off to owner failed', { name, owner: owner.id, attempt, error });
      return false;
    }
  }

  /**
   * A DELETE is about to run here: while a target is away from the map, a delete of the current
   * object leaves a tombstone for its return; during a rebalance, it is remembered (see
   * `commitMoved`). In a bucket that keeps history only deletes of one version are remembered: a
   * delete marker needs neither, versions moving in later are older than it and stay hidden.
   * Returns the undo for a delete that then fails: what it left would drop a live object.
   */
  async recordDelete(bucket: BucketJson, name: string, versionId?: string): Promise<UndoDelete> {
    const undoTombstone =
      versionId === undefined && !this.keepsHistory(bucket)
        ? ((await this.#away?.beforeDelete(bucket, name)) ?? noUndo)
        : noUndo;
    if (!this.active) return undoTombstone;
    if (this.#deleted.size >= maxRememberedDeletes) {
      const [oldest] = this.#deleted.keys();
      if (oldest !== undefined) this.#deleted.delete(oldest);
    }
    const key = deleteKey(bucket, name, versionId);
    const deletedAtMs = this.environment.store.clock.nowMs();
    this.#deleted.set(key, deletedAtMs);
    return () => {
      if (this.#deleted.get(key) === deletedAtMs) this.#deleted.delete(key);
      return undoTombstone();
    };
  }

  /** A peer's tombstones (`POST /v1/rebalance/tombstones`): what is held here of them goes. */
  async applyTombstones(json: TombstonesJson): Promise<void> {
    const dropDeleted = this.environment.dropDeleted;
    if (dropDeleted === undefined) return;
    const buckets = this.environment.metadata.bucketMetadata;
    for (const entry of json.tombstones) {
      const parsed = parseObjectUname(entry.uname);
      if (typeof parsed === 'string' || buckets?.get(parsed.bucket) === undefined) continue;
      await dropDeleted(parsed.bucket, parsed.objectName, entry.deleted_ms);
    }
  }

  /** Whether `bucket` keeps history (its objects move with all their versions). */
  keepsHistory(bucket: BucketJson): boolean {
    return this.#receiving(bucket).history !== undefined;
  }

  #receiving(bucket: BucketJson): ReceivingBucket {
    const props = this.environment.metadata.bucketMetadata?.get(bucket)?.props;
    return {
      checksumType: props?.checksum.type ?? 'none',
      history: props === undefined ? undefined : keptHistoryOf(props),
    };
  }

  /**
   * Commits an object moved here (sent by a peer, or fetched from a neighbor). A copy whose
   * version predates a DELETE made here during this rebalance is removed again at once, so the
   * move cannot bring a deleted object back (the sender then drops its copy as usual). In a bucket
   * that keeps history a version deleted by ID here is not stored at all.
   */
  async commitMoved(
    bucket: BucketJson,
    name: string,
    object: TransferredObject,
    body: Readable,
  ): Promise<void> {
    const receiving = this.#receiving(bucket);
    const versionId = object.attributes.versionId ?? 'null';
    const versionDeletedAtMs = this.#deleted.get(deleteKey(bucket, name, versionId));
    if (
      receiving.history !== undefined &&
      versionDeletedAtMs !== undefined &&
      object.modifiedTimeMs <= versionDeletedAtMs
    ) {
      await pipeline(body, new PassThrough().resume());
      return;
    }
    await commitTransferred(this.environment.store, bucket, name, object, body, receiving);
    if (receiving.history !== undefined) return;
    const uname = objectUname(bucket, name);
    const deletedAtMs = Math.max(
      this.#deleted.get(uname) ?? -1,
      this.#away?.deletedAtMs(bucket, name) ?? -1,
    );
    if (object.modifiedTimeMs <= deletedAtMs) {
      const removed = await this.environment.store.removeIfUnchanged(bucket, name, {
        modifiedTimeMs: object.modifiedTimeMs,
        checksumValue: object.checksum.value,
      });
      // A DELETE during this rebalance asks whether it found the object; a tombstone's drop is not one.
      if (removed && this.#deleted.has(uname)) this.#dropped.add(uname);
    }
  }

  /**
   * Whether a copy of `bucket/name` that moved in after its DELETE started was dropped here (then
   * the DELETE did find the object, even if neither this target nor its peers hold it any more).
   */
  droppedAfterDelete(bucket: BucketJson, name: string): boolean {
    return this.#dropped.delete(objectUname(bucket, name));
  }

  /** Counts an object a peer sent for rebalance `jobId`. */
  received(jobId: string, sizeBytes: number): void {
    if (this.#job?.id === jobId && this.#job.running) this.#job.received(sizeBytes);
  }

  status(): RebalanceStatusJson {
    const { progress } = this.environment.marker;
    return {
      rmd_version: this.environment.metadata.rebalance?.version ?? 0,
      walked: progress.walked,
      completed: progress.completed,
      running: this.active ? (this.#job?.id ?? '') : '',
    };
  }

  #begin(generation: number): void {
    const current = this.#job;
    if (current !== undefined && current.running) {
      if (current.generation >= generation) return;
      current.abort(`superseded by rebalance g${generation}`);
    } else {
      this.#deleted.clear();
      this.#dropped.clear();
    }
    const away = this.#away;
    const job = new RebalanceJob(
      generation,
      this.environment,
      (bucket) => this.keepsHistory(bucket),
      away === undefined ? undefined : (signal) => away.deliver(signal),
    );
    const started = this.registry.start(job, false);
    this.#job = started instanceof RebalanceJob ? started : undefined;
  }
}

/** What a remembered delete is filed under: the name, or one of its versions. */
function deleteKey(bucket: BucketJson, name: string, versionId: string | undefined): string {
  const uname = objectUname(bucket, name);
  return versionId === undefined ? uname : `${uname}\u0000${versionId}`;
}
