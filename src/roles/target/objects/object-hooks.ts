// Extension points of the target's object path, filled in by the composition root (target.ts):
// work after a PUT commits (mirror copies, erasure coding), recovery of a replica a read could
// not use (missing or corrupt: restore from copies, slices, or the previous owner), repairs a
// successful read noticed, work before and after a DELETE (here and elsewhere), and extra HEAD
// details.
import type { BucketPropsJson } from '../../../wire/index.js';
import type { ErasureCodingInfo, ObjectAddress } from '../../../api/native/index.js';
import type { StoredObject } from '../../../storage/index.js';

/** Runs after an object is committed locally, before the PUT is acknowledged. */
export type AfterPutHook = (
  address: ObjectAddress,
  object: StoredObject,
  props: BucketPropsJson,
) => Promise<void>;

/** Why a read needs recovery. */
export type ReadFailure = 'missing' | 'corrupted';

/**
 * Tries to make a good local replica of `address` exist again; resolves true when it did (the read
 * is then retried once), false when this hook cannot help.
 */
export type ReadRecoveryHook = (
  address: ObjectAddress,
  failure: ReadFailure,
  props: BucketPropsJson,
) => Promise<boolean>;

/** Runs after a successful read (GET or HEAD); must not block or fail it (queue work instead). */
export type AfterReadHook = (object: StoredObject, props: BucketPropsJson) => void;

/** Runs after an object was deleted locally, before the DELETE is acknowledged. */
export type AfterDeleteHook = (address: ObjectAddress, props: BucketPropsJson) => Promise<void>;

/** Adds the EC layout to a HEAD answer (undefined: not erasure-coded). */
export type DescribeHook = (
  address: ObjectAddress,
  props: BucketPropsJson,
) => Promise<ErasureCodingInfo | undefined>;

/**
 * Runs before a DELETE here (e.g. to remember it, so that copies arriving later are dropped); with
 * `versionId` when only that version of a bucket that keeps history is deleted.
 */
export type BeforeDeleteHook = (address: ObjectAddress, versionId?: string) => void;

/**
 * Runs after a DELETE here, whether or not a local replica existed: removes copies kept elsewhere
 * (a previous owner during a rebalance). Resolves true when it removed one.
 */
export type DeleteElsewhereHook = (address: ObjectAddress, versionId?: string) => Promise<boolean>;

export interface ObjectHooks {
  afterPut: AfterPutHook[];
  readRecovery: ReadRecoveryHook[];
  afterRead: AfterReadHook[];
  afterDelete: AfterDeleteHook[];
  beforeDelete: BeforeDeleteHook[];
  deleteElsewhere: DeleteElsewhereHook[];
  describe: DescribeHook[];
  /**
   * Whether a whole-object GET of a large object reads and checks it before sending the first
   * byte, so that corruption is found while recovery can still give the client correct bytes.
   */
  verifyBeforeSend: (props: BucketPropsJson) => boolean;
}

export function emptyObjectHooks(): ObjectHooks {
  return {
    afterPut: [],
    readRecovery: [],
    afterRead: [],
    afterDelete: [],
    beforeDelete: [],
    deleteElsewhere: [],
    describe: [],
    verifyBeforeSend: () => false,
  };
}
