// The one hooked layer over the local store that both object ports (native and S3) use: writes run
// the after-PUT hooks (mirror copies, EC pieces, hand-off to the owner), reads of the latest
// version recover a missing or corrupt replica (copies, EC pieces, the previous owner during a
// rebalance) and report what they served, deletes run the before/after/elsewhere hooks.
import { isStoreError } from '../../../errors/index.js';
import type { ErasureCodingInfo, ObjectAddress } from '../../../api/native/index.js';
import type {
  CompleteRequest,
  DeleteOutcome,
  LocalStore,
  PutObjectRequest,
  StoredObject,
} from '../../../storage/index.js';
import { keptHistoryOf, type BucketPropsJson } from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { ObjectHooks, ReadFailure } from './object-hooks.js';

/**
 * Protected buckets that keep history: the latest version (the object under `%ob`) is mirrored and
 * erasure-coded; kept versions and delete markers are not (they stay on the owner's mountpath).
 * Whenever the latest version changes (write, delete marker, delete of the latest by ID) the old
 * latest's EC pieces go and the new latest is protected again.
 */
export class HookedObjects {
  constructor(
    private readonly runtime: NodeRuntime,
    readonly store: LocalStore,
    private readonly hooks: ObjectHooks,
  ) {}

  /** The bucket's properties (BucketNotFound when it does not exist). */
  props(address: Pick<ObjectAddress, 'bucket'>): BucketPropsJson {
    return lookupBucket(this.runtime, address.bucket).props;
  }

  /** Stores an object, then protects it (and hands it to its owner when misplaced). */
  async put(request: PutObjectRequest): Promise<StoredObject> {
    const object = await this.store.putObject(request);
    await this.#afterPut(object);
    return object;
  }

  /** Completes a multipart upload; the chunked object is then protected like any PUT. */
  async completeUpload(request: CompleteRequest): Promise<StoredObject> {
    const object = await this.store.completeUpload(request);
    await this.#afterPut(object);
    return object;
  }

  async #afterPut(object: StoredObject): Promise<void> {
    const address = { bucket: object.bucket, name: object.name };
    const props = this.props(address);
    for (const hook of this.hooks.afterPut) await hook(address, object, props);
  }

  /** Whether a whole GET of a large object in this bucket is checked before it is sent. */
  verifyBeforeSend(props: BucketPropsJson): boolean {
    return this.hooks.verifyBeforeSend(props);
  }

  /**
   * Runs a read of the latest version; when the local replica is missing or corrupt, asks the
   * recovery hooks to restore it and retries once. Without a hook that helps, the error stands.
   */
  async read<T>(address: ObjectAddress, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      const failure = readFailureOf(error);
      if (failure === undefined || this.hooks.readRecovery.length === 0) throw error;
      const props = this.props(address);
      for (const hook of this.hooks.readRecovery) {
        if (await hook(address, failure, props)) return read();
      }
      throw error;
    }
  }

  /** Reports a successful read (background repairs when it was served from a copy). */
  afterRead(object: StoredObject): void {
    const props = this.props(object);
    for (const hook of this.hooks.afterRead) hook(object, props);
  }

  /** The EC layout HEAD reports (undefined when the object is not erasure-coded). */
  async describe(address: ObjectAddress): Promise<ErasureCodingInfo | undefined> {
    const props = this.props(address);
    let info: ErasureCodingInfo | undefined;
    for (const hook of this.hooks.describe) info ??= await hook(address, props);
    return info;
  }

  /**
   * Deletes the object (in a bucket that keeps history: adds a delete marker, or with `versionId`
   * removes that version), then what protects it and copies elsewhere. Not found only when there
   * was nothing anywhere.
   */
  async delete(address: ObjectAddress, versionId?: string): Promise<DeleteOutcome> {
    const history = keptHistoryOf(this.props(address));
    if (history === undefined) {
      await this.#deleteEverywhere(address, () =>
        this.store.deleteObject(address.bucket, address.name),
      );
      return { deleteMarker: false };
    }
    const before = await this.#latest(address);
    let outcome: DeleteOutcome = { deleteMarker: false };
    const remove = async (): Promise<void> => {
      outcome = await this.store.deleteObject(address.bucket, address.name, {
        history,
        versionId,
      });
    };
    // A delete marker hides whatever moves in later (it is newer); a version deleted by ID must
    // also go where a rebalance has not moved it from yet.
    if (versionId === undefined) await remove();
    else await this.#deleteEverywhere(address, remove, versionId);
    const after = await this.#latest(address);
    if (before?.versionId !== after?.versionId || (before === undefined) !== (after === undefined))
      await this.#latestChanged(address, after);
    return outcome;
  }

  /**
   * Deletes here (a missing local replica is not yet an error), removes the EC pieces, then copies
   * other targets still hold during a rebalance.
   */
  async #deleteEverywhere(
    address: ObjectAddress,
    remove: () => Promise<unknown>,
    versionId?: string,
  ): Promise<void> {
    const props = this.props(address);
    for (const hook of this.hooks.beforeDelete) hook(address, versionId);
    let missing: Error | undefined;
    try {
      await remove();
    } catch (error) {
      if (readFailureOf(error) !== 'missing' || !(error instanceof Error)) throw error;
      missing = error;
    }
    // Also when the local replica was already gone: pieces elsewhere must not bring it back.
    if (versionId === undefined)
      for (const hook of this.hooks.afterDelete) await hook(address, props);
    let removedElsewhere = false;
    for (const hook of this.hooks.deleteElsewhere)
      if (await hook(address, versionId)) removedElsewhere = true;
    if (missing !== undefined && !removedElsewhere) throw missing;
  }

  /** The latest version changed by a delete: the old one's pieces go, the new one is protected. */
  async #latestChanged(address: ObjectAddress, latest: StoredObject | undefined): Promise<void> {
    const props = this.props(address);
    for (const hook of this.hooks.afterDelete) await hook(address, props);
    if (latest === undefined) return;
    for (const hook of this.hooks.afterPut) await hook(address, latest, props);
  }

  async #latest(address: ObjectAddress): Promise<StoredObject | undefined> {
    try {
      return await this.store.headObject(address.bucket, address.name);
    } catch (error) {
      if (readFailureOf(error) !== undefined) return undefined;
      throw error;
    }
  }
}

/** Why a read failed, when recovery may help: the replica is missing or corrupt. */
export function readFailureOf(error: unknown): ReadFailure | undefined {
  if (!isStoreError(error)) return undefined;
  if (error.code === 'ObjectNotFound') return 'missing';
  if (error.code === 'ObjectCorrupted') return 'corrupted';
  return undefined;
}
