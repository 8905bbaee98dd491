// A target's data protection: mirror copies and EC pieces made after a PUT, a lost or corrupt
// replica restored on read (from an intact copy, then from other targets' replicas or slices),
// repairs noticed on the read path, cluster-wide removal of pieces on delete, and the per-object
// check that scrub runs.
import type { ClusterMap } from '../cluster/index.js';
import { isStoreError } from '../errors/index.js';
import type { LocalStore, StoredObject } from '../storage/index.js';
import type { IntraClient, IntraStreamClient, PieceStreams } from '../transport/index.js';
import type { Logger } from '../util/log.js';
import {
  objectUname,
  type BucketJson,
  type BucketPropsJson,
  type ErasureMetadataJson,
} from '../wire/index.js';
import { encodeObject } from './ec/encode-object.js';
import { ensurePieces } from './ec/ensure-pieces.js';
import type { ErasureContext } from './ec/erasure-context.js';
import { isMainReplica, LocalPieces } from './ec/local-pieces.js';
import { PiecePeers, type PeerTimeouts } from './ec/peers.js';
import { openSurviving, restoreObject, type SurvivingObject } from './ec/restore-object.js';
import { updatePieceAttributes } from './ec/update-attributes.js';
import { versionPieceName } from './ec/version-pieces.js';
import { RepairQueue } from './repair-queue.js';

export interface DataProtectionOptions {
  nodeId: string;
  store: LocalStore;
  client: IntraClient;
  streams: IntraStreamClient;
  /** Long-lived per-peer streams for pieces sent whole (one stripe's slices, metafiles). */
  pieceStreams: PieceStreams;
  log: Logger;
  timeouts: PeerTimeouts;
  clusterMap(): ClusterMap | undefined;
  /**
   * Pulls a newer cluster map when one exists (from the primary): a target asked to restore an
   * object its map says another target owns may not have received the map that made it the owner.
   */
  refreshClusterMap(): Promise<void>;
}

/** How a scrub found one object. */
export type CheckOutcome = 'intact' | 'repaired' | 'degraded' | 'unrecoverable';

/**
 * How an owner asked for one of its kept versions found it (`ensureKept`); `not-owner` when its
 * map (even the primary's) names another owner: the asker's map is not the current one.
 */
export type KeptOutcome = 'present' | 'restored' | 'unrecoverable' | 'not-owner';

/** Replicas wanted on this target: the mirror count, or 1. */
export function mirrorCopies(props: BucketPropsJson): number {
  return props.mirror.enabled ? Math.max(1, props.mirror.copies) : 1;
}

/** True when the bucket keeps more than the main replica (reads can then heal themselves). */
export function isProtected(props: BucketPropsJson): boolean {
  return mirrorCopies(props) > 1 || props.ec.enabled;
}

/** Objects restored on this target since it started (`/metrics`). */
export interface RepairCounts {
  /** Missing or corrupt replicas rewritten from an intact local copy. */
  mirror: number;
  /** Objects rebuilt from other targets' EC slices. */
  ec: number;
  /** Restores that found no intact copy and too few slices. */
  failed: number;
}

export class DataProtection {
  readonly erasure: ErasureContext;
  readonly repairs: RepairCounts = { mirror: 0, ec: 0, failed: 0 };
  readonly #restores = new Map<string, Promise<boolean>>();
  readonly #repairs: RepairQueue;

  constructor(private readonly options: DataProtectionOptions) {
    const pieces = new LocalPieces(options.store);
    this.erasure = {
      nodeId: options.nodeId,
      store: options.store,
      pieces,
      peers: new PiecePeers(
        options.nodeId,
        pieces,
        options.client,
        options.streams,
        options.pieceStreams,
        options.timeouts,
      ),
      log: options.log,
      clusterMap: () => options.clusterMap(),
    };
    this.#repairs = new RepairQueue({ concurrency: 4, maxQueued: 10_000 }, options.log);
  }

  get store(): LocalStore {
    return this.options.store;
  }

  /** After a PUT commits: mirror copies, then EC pieces (the PUT is acknowledged after both). */
  async afterPut(bucket: BucketJson, name: string, props: BucketPropsJson): Promise<void> {
    const copies = mirrorCopies(props);
    if (copies > 1) await this.store.repairCopies({ bucket, name, copies, verify: false });
    if (props.ec.enabled) {
      const report = await encodeObject(this.erasure, bucket, name, props.ec);
      if (report.unplaced > 0) {
        this.options.log.warn('EC protection degraded: too few targets', {
          name,
          unplaced: report.unplaced,
        });
      }
    }
  }

  /**
   * Kept versions and delete markers (under `%vr`) just created, before the write or delete that
   * made them is acknowledged: mirror copies, and EC pieces under `versionPieceName`.
   */
  async protectKept(
    bucket: BucketJson,
    name: string,
    versionIds: readonly string[],
    props: BucketPropsJson,
  ): Promise<void> {
    for (const versionId of versionIds)
      await this.#protectVersion(bucket, name, versionId, props, false);
  }

  /** A delete marker became the latest version: its copies, and EC pieces under the object's name. */
  async protectMarker(
    bucket: BucketJson,
    name: string,
    versionId: string,
    props: BucketPropsJson,
  ): Promise<void> {
    await this.#protectVersion(bucket, name, versionId, props, true);
  }

  /** A kept version was deleted: its EC pieces go from every target. */
  async afterDeleteKept(
    bucket: BucketJson,
    name: string,
    versionId: string,
    props: BucketPropsJson,
  ): Promise<void> {
    await this.afterDelete(bucket, versionPieceName(name, versionId), props);
  }

  async #protectVersion(
    bucket: BucketJson,
    name: string,
    versionId: string,
    props: BucketPropsJson,
    latest: boolean,
  ): Promise<void> {
    const copies = mirrorCopies(props);
    if (copies > 1)
      await this.store.repairCopies({ bucket, name, versionId, copies, verify: false });
    if (!props.ec.enabled) return;
    const report = await encodeObject(this.erasure, bucket, name, props.ec, { versionId, latest });
    if (report.unplaced > 0)
      this.options.log.warn('EC protection degraded: too few targets', { name, versionId });
  }

  /**
   * After the custom metadata or S3 attributes of the latest version (or of kept version
   * `versionId`) changed, before the change is acknowledged: mirror copies get the new record, EC
   * metafiles the new attributes (a restore brings back what was acknowledged last).
   */
  async afterMetadataChange(
    bucket: BucketJson,
    name: string,
    props: BucketPropsJson,
    versionId?: string,
  ): Promise<void> {
    const copies = mirrorCopies(props);
    if (copies > 1)
      await this.store.repairCopies({ bucket, name, versionId, copies, verify: false });
    if (props.ec.enabled)
      await updatePieceAttributes(this.erasure, bucket, name, props.ec, { versionId });
  }

  /**
   * A read found the replica missing or corrupt: restores it from an intact local copy, else from
   * other targets' EC pieces. Concurrent reads of the same object share one restore.
   */
  recover(
    bucket: BucketJson,
    name: string,
    props: BucketPropsJson,
    versionId?: string,
  ): Promise<boolean> {
    if (!isProtected(props)) return Promise.resolve(false);
    const key = `${objectUname(bucket, name)}\n${versionId ?? ''}`;
    const running = this.#restores.get(key);
    if (running !== undefined) return running;
    const restore = (async () => {
      // Only the owner restores: a replica anywhere else would be misplaced (and could go stale).
      if (!(await this.#owns(bucket, name))) return false;
      return versionId === undefined
        ? await this.#restore(bucket, name, props)
        : await this.#restoreKept(bucket, name, versionId, props);
    })().finally(() => this.#restores.delete(key));
    this.#restores.set(key, restore);
    return restore;
  }

  /**
   * Whether this target owns the object. When its map names another owner, a newer map is pulled
   * first: the request was sent here by a node whose map already names this target (a gateway, or
   * a holder of the object's pieces), and this target's map may not have caught up yet.
   */
  async #owns(bucket: BucketJson, name: string): Promise<boolean> {
    const uname = objectUname(bucket, name);
    const owner = this.options.clusterMap()?.ownerOf(uname);
    if (owner === undefined || owner.id === this.options.nodeId) return true;
    await this.options.refreshClusterMap();
    return this.options.clusterMap()?.ownerOf(uname)?.id === this.options.nodeId;
  }

  /**
   * A holder of a piece of kept version `versionId` asks this owner (scrub) to make sure the
   * version is here: restored from a copy or from EC pieces when it is not.
   */
  async ensureKept(
    bucket: BucketJson,
    name: string,
    versionId: string,
    props: BucketPropsJson,
  ): Promise<KeptOutcome> {
    try {
      await this.store.headObject(bucket, name, { versionId });
      return 'present';
    } catch (error) {
      if (!isStoreError(error) || !isMissingVersion(error.code)) throw error;
    }
    if (!(await this.#owns(bucket, name))) return 'not-owner';
    return (await this.recover(bucket, name, props, versionId)) ? 'restored' : 'unrecoverable';
  }

  /**
   * A read succeeded: when it was served from a copy (the home replica is gone) or copies are
   * missing, the repair runs in the background.
   */
  afterRead(object: StoredObject, props: BucketPropsJson): void {
    const copies = mirrorCopies(props);
    if (copies <= 1 && !props.ec.enabled) return;
    const { bucket, name } = object;
    const home = this.store.homeMountpath(bucket, name);
    const missingCopies = object.copies.length < copies - 1;
    if (object.mountpath === home && !missingCopies) return;
    // A background repair goes by this target's map as it is (no map pulls for it: `#owns`).
    const owner = this.options.clusterMap()?.ownerOf(objectUname(bucket, name));
    if (owner !== undefined && owner.id !== this.options.nodeId) return;
    // Through `recover`: a restore already running for the object (a foreground read's) is shared.
    this.#repairs.add(objectUname(bucket, name), () => this.recover(bucket, name, props));
  }

  /** After a DELETE: EC pieces go from every target (stale ones from old placements too). */
  async afterDelete(bucket: BucketJson, name: string, props: BucketPropsJson): Promise<void> {
    if (!props.ec.enabled) return;
    const targets = this.options.clusterMap()?.activeTargets() ?? [];
    await Promise.all(
      targets.map((node) =>
        this.erasure.peers.remove(node, bucket, name).catch((error: unknown) => {
          this.options.log.warn('EC pieces not removed', { node: node.id, name, error });
        }),
      ),
    );
  }

  /**
   * The object moved here, or its pieces' placement may have changed (a target joined or left, a
   * mountpath went): mirror copies and EC pieces are made right from the local replica, which is
   * trusted (it was verified when it moved). Pieces still where they belong stay; an object whose
   * own metafile is not this owner's (it held a slice before it moved here) is encoded anew.
   */
  async reprotect(bucket: BucketJson, name: string, props: BucketPropsJson): Promise<void> {
    const copies = mirrorCopies(props);
    if (copies > 1) await this.store.repairCopies({ bucket, name, copies, verify: false });
    if (!props.ec.enabled) return;
    const own = await this.erasure.pieces.metadata(bucket, name).catch(() => undefined);
    if (own !== undefined && !isMainReplica(own)) {
      await encodeObject(this.erasure, bucket, name, props.ec);
      return;
    }
    await ensurePieces(this.erasure, bucket, name, props.ec, false);
  }

  /**
   * `reprotect` for a kept version or delete marker (`latest`: a marker that is the latest
   * version) that moved here or whose placement changed: copies made right, missing or stale EC
   * pieces re-created from the local file.
   */
  async reprotectKept(
    bucket: BucketJson,
    name: string,
    version: { versionId: string; latest: boolean },
    props: BucketPropsJson,
  ): Promise<void> {
    const { versionId } = version;
    const copies = mirrorCopies(props);
    if (copies > 1)
      await this.store.repairCopies({ bucket, name, versionId, copies, verify: false });
    if (props.ec.enabled) await ensurePieces(this.erasure, bucket, name, props.ec, false, version);
  }

  /**
   * A delete this target missed while it was away from the map (a peer's tombstone): its replica
   * with the mirror copies, and its EC piece or metafile, go unless they are newer than the delete
   * (a write after the delete stays).
   */
  async dropDeleted(bucket: BucketJson, name: string, deletedAtMs: number): Promise<void> {
    let replica: StoredObject | undefined;
    try {
      replica = await this.store.headObject(bucket, name);
    } catch (error) {
      if (!isStoreError(error) || error.code !== 'ObjectNotFound') throw error;
    }
    if (replica !== undefined && replica.modifiedTimeMs <= deletedAtMs)
      await this.store.removeIfUnchanged(bucket, name, {
        modifiedTimeMs: replica.modifiedTimeMs,
        checksumValue: replica.checksum.value,
      });
    // A piece that cannot be read fails the call (the teller keeps the tombstone and tries
    // again); taken for none, a stale piece would stay while its tombstone went.
    const piece = await this.erasure.pieces.metadata(bucket, name);
    if (piece !== undefined && piece.generation <= deletedAtMs * 1000)
      await this.erasure.pieces.remove(bucket, name);
  }

  /** This owner's metafile of the object (what HEAD reports); undefined when not erasure-coded. */
  async describe(
    bucket: BucketJson,
    name: string,
    props: BucketPropsJson,
  ): Promise<ErasureMetadataJson | undefined> {
    if (!props.ec.enabled) return undefined;
    return await this.erasure.pieces.metadata(bucket, name).catch(() => undefined);
  }

  /**
   * The object streamed from what other targets hold, not stored here (for a target standing in
   * for an unreachable owner); undefined when the bucket is not erasure-coded or too little
   * survives.
   */
  async openSurviving(
    bucket: BucketJson,
    name: string,
    props: BucketPropsJson,
  ): Promise<SurvivingObject | undefined> {
    if (!props.ec.enabled) return undefined;
    return await openSurviving(this.erasure, bucket, name);
  }

  /**
   * Scrub's check of an object this target owns: every replica and copy read and verified, every
   * EC piece verified by its holder; whatever is missing or corrupt is re-created.
   */
  async checkObject(
    bucket: BucketJson,
    name: string,
    props: BucketPropsJson,
  ): Promise<CheckOutcome> {
    const copies = mirrorCopies(props);
    const local = await this.store.repairCopies({ bucket, name, copies, verify: true });
    let problems = local.corrupt + local.created;
    if (!local.intact) {
      if (!props.ec.enabled || !(await restoreObject(this.erasure, bucket, name)))
        return 'unrecoverable';
      problems += 1;
      if (copies > 1) await this.store.repairCopies({ bucket, name, copies, verify: false });
    }
    let unplaced = 0;
    if (props.ec.enabled) {
      const pieces = await ensurePieces(this.erasure, bucket, name, props.ec, true);
      problems += pieces.bad;
      unplaced = pieces.unplaced;
    }
    if (problems > 0) return 'repaired';
    return unplaced > 0 ? 'degraded' : 'intact';
  }

  /**
   * Scrub's check of a kept version or delete marker (`latest`: a marker that is the latest
   * version): its file and mirror copies read and verified, its EC pieces verified by their
   * holders; whatever is missing or corrupt is re-created.
   */
  async checkKept(
    bucket: BucketJson,
    name: string,
    version: { versionId: string; latest: boolean },
    props: BucketPropsJson,
  ): Promise<CheckOutcome> {
    const { versionId, latest } = version;
    const copies = mirrorCopies(props);
    const local = await this.store.repairCopies({ bucket, name, versionId, copies, verify: true });
    let problems = local.corrupt + local.created;
    if (!local.intact) {
      if (!props.ec.enabled || latest) return 'unrecoverable';
      if (!(await restoreObject(this.erasure, bucket, name, versionId))) return 'unrecoverable';
      problems += 1;
      if (copies > 1)
        await this.store.repairCopies({ bucket, name, versionId, copies, verify: false });
    }
    let unplaced = 0;
    if (props.ec.enabled) {
      const pieces = await ensurePieces(this.erasure, bucket, name, props.ec, true, version);
      problems += pieces.bad;
      unplaced = pieces.unplaced;
    }
    if (problems > 0) return 'repaired';
    return unplaced > 0 ? 'degraded' : 'intact';
  }

  /**
   * A kept version's file is missing or corrupt: rebuilt from an intact mirror copy, else from EC
   * pieces. The latest version comes back first (a version restored into an empty history would
   * pass for the latest).
   */
  async #restoreKept(
    bucket: BucketJson,
    name: string,
    versionId: string,
    props: BucketPropsJson,
  ): Promise<boolean> {
    const copies = mirrorCopies(props);
    const local = await this.store.repairCopies({ bucket, name, versionId, copies, verify: true });
    if (local.intact) return true;
    if (!props.ec.enabled) return false;
    if ((await this.store.latestVersion(bucket, name)) === undefined) {
      // Through `recover`: restores of several kept versions of the name share one of the latest.
      await this.recover(bucket, name, props);
      // The version asked for may be the latest (or its delete marker).
      const restored = await this.store.latestVersion(bucket, name);
      if (restored !== undefined && (restored.versionId ?? 'null') === versionId) return true;
    }
    if (!(await restoreObject(this.erasure, bucket, name, versionId))) return false;
    if (copies > 1)
      await this.store.repairCopies({ bucket, name, versionId, copies, verify: false });
    return true;
  }

  async #restore(bucket: BucketJson, name: string, props: BucketPropsJson): Promise<boolean> {
    const copies = mirrorCopies(props);
    const local = await this.store.repairCopies({ bucket, name, copies, verify: true });
    if (local.intact) {
      if (local.created > 0) this.repairs.mirror += 1;
      return true;
    }
    if (!props.ec.enabled) {
      this.repairs.failed += 1;
      return false;
    }
    if (!(await restoreObject(this.erasure, bucket, name))) {
      this.repairs.failed += 1;
      this.options.log.error('object unrecoverable: no intact replica, too few EC pieces', {
        bucket: bucket.name,
        name,
      });
      return false;
    }
    this.repairs.ec += 1;
    if (copies > 1) await this.store.repairCopies({ bucket, name, copies, verify: false });
    // The object is readable again; re-creating lost pieces must not fail the read.
    await ensurePieces(this.erasure, bucket, name, props.ec, false).catch((error: unknown) => {
      this.options.log.warn('EC pieces not re-created after restore', { name, error });
    });
    return true;
  }
}

/** The codes a read of a version that is not here fails with. */
function isMissingVersion(code: string): boolean {
  return code === 'ObjectNotFound' || code === 'NoSuchVersion' || code === 'ObjectCorrupted';
}
