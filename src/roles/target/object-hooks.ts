// Extension points of the target's object path, filled in by the composition root (target.ts):
// work after a PUT commits (mirror copies, erasure coding) and recovery of a replica a read could
// not use (missing or corrupt: restore from copies, slices, or the previous owner).
import type { BucketPropsJson } from '../../wire/index.js';
import type { ObjectAddress } from '../../api/native/index.js';
import type { StoredObject } from '../../storage/index.js';

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

export interface ObjectHooks {
  afterPut: AfterPutHook[];
  readRecovery: ReadRecoveryHook[];
}

export function emptyObjectHooks(): ObjectHooks {
  return { afterPut: [], readRecovery: [] };
}
