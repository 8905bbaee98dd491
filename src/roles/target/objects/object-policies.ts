// What the target's object path asks of the services around it, as two named policies the object
// service calls at fixed points: data protection (mirror copies and EC pieces after a write,
// restore on a failed read, repairs after a read, removal after a delete) and a rebalance in
// progress (the previous owner may still hold an object; a misplaced write goes to its owner;
// deletes reach copies not moved yet).
import type { ErasureCodingInfo, ObjectAddress } from '../../../api/native/index.js';
import {
  isProtected,
  isReplicated,
  type DataProtection,
  type SurvivingObject,
} from '../../../protect/index.js';
import {
  deleteAtNeighbors,
  fetchFromNeighbors,
  noUndo,
  type RebalanceEnvironment,
  type RebalanceManager,
  type UndoDelete,
} from '../../../protect/rebalance/index.js';
import type { StoredObject } from '../../../storage/index.js';
import type { BucketPropsJson } from '../../../wire/index.js';

export interface ProtectionPolicy {
  /** After a write committed here, before it is acknowledged: copies and EC pieces. */
  afterWrite(address: ObjectAddress, object: StoredObject, props: BucketPropsJson): Promise<void>;
  /** True when the bucket keeps more than one replica (mirror copies or EC pieces). */
  isProtected(props: BucketPropsJson): boolean;
  /**
   * Kept versions or delete markers created by a write or delete (the version it pushed down to
   * `%vr`), before it is acknowledged: their copies and pieces.
   */
  protectKept(address: ObjectAddress, versionIds: string[], props: BucketPropsJson): Promise<void>;
  /**
   * After the metadata of the latest version (or of kept version `versionId`) changed, before it
   * is acknowledged: copies and pieces.
   */
  afterMetadataChange(
    address: ObjectAddress,
    props: BucketPropsJson,
    versionId?: string,
  ): Promise<void>;
  /** A delete marker became the latest version: its copies and pieces. */
  protectMarker(address: ObjectAddress, versionId: string, props: BucketPropsJson): Promise<void>;
  /** Kept version `versionId` was deleted: its pieces go everywhere. */
  afterRemoveKept(address: ObjectAddress, versionId: string, props: BucketPropsJson): Promise<void>;
  /**
   * The latest version's replica is missing or corrupt: make a good one exist here again (from an
   * intact copy, or EC pieces). True when it did.
   */
  restore(address: ObjectAddress, props: BucketPropsJson): Promise<boolean>;
  /** The same for kept version `versionId` (under `%vr`): from an intact mirror copy. */
  restoreKept(address: ObjectAddress, versionId: string, props: BucketPropsJson): Promise<boolean>;
  /** A read succeeded: repairs it noticed (served from a copy, copies missing) run later. */
  afterRead(object: StoredObject, props: BucketPropsJson): void;
  /** The latest version went (deleted, or replaced by a delete): its EC pieces go everywhere. */
  afterRemove(address: ObjectAddress, props: BucketPropsJson): Promise<void>;
  /** The EC layout a HEAD reports (undefined when the object is not erasure-coded). */
  describe(address: ObjectAddress, props: BucketPropsJson): Promise<ErasureCodingInfo | undefined>;
  /**
   * Whether a whole GET of a large object is read and checked before its first byte is sent, so
   * that corruption is found while recovery can still give the client correct bytes.
   */
  verifyBeforeSend(props: BucketPropsJson): boolean;
  /** The object rebuilt from what other targets hold, not stored here (substitute reads). */
  openSurviving(
    address: ObjectAddress,
    props: BucketPropsJson,
  ): Promise<SurvivingObject | undefined>;
}

export interface RebalancePolicy {
  /** A missing object this target owns may still be at its previous owner: fetch it here. */
  fetchFromPreviousOwner(address: ObjectAddress): Promise<boolean>;
  /** After a write: an object this target does not own (any more) goes to its owner. */
  placeAfterWrite(address: ObjectAddress): Promise<void>;
  /**
   * Before a delete here: remembered, so a copy moving in later is dropped (and a target away from
   * the map drops its own when back). Returns the undo for a delete that then fails.
   */
  beforeDelete(address: ObjectAddress, versionId?: string): Promise<UndoDelete>;
  /** After a delete here: copies other targets still hold go too. True when one was removed. */
  deleteElsewhere(address: ObjectAddress, versionId?: string): Promise<boolean>;
  /** Whether a rebalance runs now (deletes must then reach the targets it moves objects from). */
  running(): boolean;
  /**
   * Resolves once deletes taken while this target was away are applied (object requests wait);
   * undefined when they are now (the usual case: nothing to wait for).
   */
  caughtUp(): Promise<void> | undefined;
}

/** The protection policy of a target: its DataProtection. */
export function protectionPolicy(protection: DataProtection): ProtectionPolicy {
  return {
    afterWrite: (address, _object, props) =>
      protection.afterPut(address.bucket, address.name, props),
    isProtected,
    protectKept: (address, versionIds, props) =>
      protection.protectKept(address.bucket, address.name, versionIds, props),
    afterMetadataChange: (address, props, versionId) =>
      protection.afterMetadataChange(address.bucket, address.name, props, versionId),
    protectMarker: (address, versionId, props) =>
      protection.protectMarker(address.bucket, address.name, versionId, props),
    afterRemoveKept: (address, versionId, props) =>
      protection.afterDeleteKept(address.bucket, address.name, versionId, props),
    restore: (address, props) => protection.recover(address.bucket, address.name, props),
    restoreKept: (address, versionId, props) =>
      protection.recover(address.bucket, address.name, props, versionId),
    afterRead: (object, props) => protection.afterRead(object, props),
    afterRemove: (address, props) => protection.afterDelete(address.bucket, address.name, props),
    describe: async (address, props) => {
      const own = await protection.describe(address.bucket, address.name, props);
      if (own === undefined) return undefined;
      return {
        dataSlices: own.data_slices,
        paritySlices: own.parity_slices,
        generation: own.generation,
        replicated: isReplicated(own),
        nodes: own.nodes,
      };
    },
    verifyBeforeSend: isProtected,
    openSurviving: (address, props) =>
      protection.openSurviving(address.bucket, address.name, props),
  };
}

/**
 * The rebalance policy of a target: get-from-neighbor while a rebalance runs (only the owner
 * fetches: a copy anywhere else would be misplaced), hand-off of misplaced writes, and deletes
 * that also reach the copies a rebalance has not moved yet.
 */
export function rebalancePolicy(
  manager: RebalanceManager,
  environment: RebalanceEnvironment,
): RebalancePolicy {
  const duringRebalance = ({ bucket, name }: ObjectAddress): boolean =>
    manager.active && manager.owns(bucket, name);
  return {
    fetchFromPreviousOwner: (address) =>
      duringRebalance(address)
        ? fetchFromNeighbors(environment, address.bucket, address.name, (...moved) =>
            manager.commitMoved(...moved),
          )
        : Promise.resolve(false),
    placeAfterWrite: (address) => manager.placeAfterPut(address.bucket, address.name),
    beforeDelete: async (address, versionId) =>
      manager.owns(address.bucket, address.name)
        ? await manager.recordDelete(address.bucket, address.name, versionId)
        : noUndo,
    deleteElsewhere: async (address, versionId) => {
      if (!duringRebalance(address)) return false;
      const { bucket, name } = address;
      const removed = await deleteAtNeighbors(environment, bucket, name, versionId);
      return manager.droppedAfterDelete(bucket, name) || removed;
    },
    running: () => manager.active,
    caughtUp: () => (manager.isCaughtUp ? undefined : manager.caughtUp()),
  };
}
