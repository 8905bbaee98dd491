// The target's one object service: what the native and the S3 front ends call for reads, writes and
// deletes. The bucket is resolved once per request; a read opens the replica once (a Range header
// is resolved against the size read there); a read of the latest version whose replica is missing
// or corrupt is recovered by the protection policy, then by the rebalance policy, and retried
// once; writes and deletes apply both policies before they are acknowledged; a read sent here in
// place of an unreachable owner is served from what survives elsewhere.
import { resolveRange } from '../../../api/common/index.js';
import { isRemoteBucket } from '../../../backends/index.js';
import type { ErasureCodingInfo, ObjectAddress, ObjectInfo } from '../../../api/native/index.js';
import type {
  CompleteRequest,
  DeleteOutcome,
  LocalStore,
  PutObjectRequest,
  StoredObject,
} from '../../../storage/index.js';
import { keptHistoryOf, type BucketJson } from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { ProtectionPolicy, RebalancePolicy } from './object-policies.js';
import {
  addressOf,
  readFailureOf,
  type ObjectRead,
  type ObjectTarget,
  type ReadOptions,
  type ResolvedBucket,
} from './object-types.js';
import { SubstituteReads } from './substitute-reads.js';
import { ColdReads, describeRemote } from './cold-reads.js';
import { writeThrough } from './write-through.js';

export class ObjectService {
  readonly #substitutes: SubstituteReads;
  readonly #cold: ColdReads;

  constructor(
    private readonly runtime: NodeRuntime,
    readonly store: LocalStore,
    private readonly protection: ProtectionPolicy,
    private readonly rebalance: RebalancePolicy,
  ) {
    this.#substitutes = new SubstituteReads(store, protection, runtime.id);
    this.#cold = new ColdReads(store, runtime.clock, (bucket, object) =>
      this.#afterWrite(bucket, object),
    );
  }

  /** The bucket's entry (BucketNotFound when it does not exist), for the rest of the request. */
  resolve(bucket: BucketJson): ResolvedBucket {
    const { props } = lookupBucket(this.runtime, bucket);
    const history = keptHistoryOf(props);
    return { bucket, props, history, versioned: history !== undefined };
  }

  /**
   * The object's metadata (of the latest version unless `options.versionId`). In a remote bucket,
   * an object only the backend holds is described as the backend has it, not present here.
   */
  async head(
    target: ObjectTarget,
    options: ReadOptions = {},
  ): Promise<StoredObject & Pick<ObjectInfo, 'present'>> {
    try {
      return await this.#headStored(target, options);
    } catch (error) {
      const { bucket } = target.bucket;
      if (
        !isRemoteBucket(bucket) ||
        options.versionId !== undefined ||
        options.substituteFor !== undefined ||
        options.inClusterOnly === true ||
        readFailureOf(error) !== 'missing'
      )
        throw error;
      const remote = await this.runtime.backends.for(bucket, target.bucket.props).head(target.name);
      return { ...describeRemote(target, remote, this.runtime.clock), present: false };
    }
  }

  async #headStored(target: ObjectTarget, options: ReadOptions): Promise<StoredObject> {
    if (options.substituteFor !== undefined)
      return await this.#substitutes.head(target, options.substituteFor);
    const { bucket, name } = addressOf(target);
    const versionId = target.bucket.versioned ? options.versionId : undefined;
    const object = await this.#recovering(target, versionId, () =>
      this.store.headObject(bucket, name, { versionId }),
    );
    if (versionId === undefined) this.protection.afterRead(object, target.bucket.props);
    return object;
  }

  /** The object's bytes (a range of them when `rangeHeader` asks for one), verified as read. */
  async get(
    target: ObjectTarget,
    rangeHeader: string | undefined,
    options: ReadOptions = {},
  ): Promise<ObjectRead> {
    const header = rangeHeader === '' ? undefined : rangeHeader;
    if (options.substituteFor !== undefined)
      return await this.#substitutes.get(target, header, options.substituteFor);
    const { bucket, name } = addressOf(target);
    const versionId = target.bucket.versioned ? options.versionId : undefined;
    const resolver =
      header === undefined ? undefined : (size: number) => resolveRange(header, size);
    const readStored = async (): Promise<ObjectRead> => {
      const read = await this.#recovering(target, versionId, () =>
        this.store.getObject(bucket, name, resolver, {
          versionId,
          verifyBeforeSend: this.protection.verifyBeforeSend(target.bucket.props),
        }),
      );
      if (versionId === undefined) this.protection.afterRead(read.object, target.bucket.props);
      return { object: read.object, body: read.body, range: read.range };
    };
    try {
      return await readStored();
    } catch (error) {
      // What local recovery could not bring back, a remote bucket's backend has: a cold GET.
      if (versionId !== undefined || !isRemoteBucket(bucket) || readFailureOf(error) === undefined)
        throw error;
      const backend = this.runtime.backends.for(bucket, target.bucket.props);
      return await this.#cold.get(target, backend, header === undefined, readStored);
    }
  }

  /** The EC layout a HEAD reports (undefined when the object is not erasure-coded). */
  describe(target: ObjectTarget): Promise<ErasureCodingInfo | undefined> {
    return this.protection.describe(addressOf(target), target.bucket.props);
  }

  /** Stores an object, then protects it (and hands it to its owner when misplaced). */
  async put(bucket: ResolvedBucket, request: PutObjectRequest): Promise<StoredObject> {
    const write = isRemoteBucket(bucket.bucket)
      ? writeThrough(bucket, this.runtime.backends.for(bucket.bucket, bucket.props), request)
      : request;
    const object = await this.store.putObject(write);
    await this.#afterWrite(bucket, object);
    return object;
  }

  /** Completes a multipart upload; the chunked object is then protected like any PUT. */
  async completeUpload(bucket: ResolvedBucket, request: CompleteRequest): Promise<StoredObject> {
    const object = await this.store.completeUpload(request);
    await this.#afterWrite(bucket, object);
    return object;
  }

  /**
   * Deletes the object: in a bucket that keeps history a delete marker hides it (or, with
   * `versionId`, that version goes); elsewhere every replica goes. Then what protects it, and the
   * copies a rebalance has not moved yet. Not found only when there was nothing anywhere.
   */
  async delete(target: ObjectTarget, versionId?: string): Promise<DeleteOutcome> {
    const address = addressOf(target);
    const { history, props } = target.bucket;
    if (isRemoteBucket(address.bucket)) {
      // The remote first: when it fails, the cached copy stays and the delete fails.
      await this.runtime.backends.for(address.bucket, props).delete(target.name);
      await this.#deleteEverywhere(target, () =>
        this.store.deleteObject(address.bucket, address.name),
      ).catch((error: unknown) => {
        if (readFailureOf(error) !== 'missing') throw error;
      });
      return { deleteMarker: false };
    }
    if (history === undefined) {
      await this.#deleteEverywhere(target, () =>
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
    else await this.#deleteEverywhere(target, remove, versionId);
    const after = await this.#latest(address);
    if (
      before?.versionId !== after?.versionId ||
      (before === undefined) !== (after === undefined)
    ) {
      // The latest version changed: the old one's pieces go, the new one is protected.
      await this.protection.afterRemove(address, props);
      if (after !== undefined) await this.protection.afterWrite(address, after, props);
    }
    return outcome;
  }

  /**
   * Runs a read; when it reads the latest version and its replica is missing or corrupt, restores
   * it (protection first, then the previous owner during a rebalance) and retries once.
   */
  async #recovering<T>(
    target: ObjectTarget,
    versionId: string | undefined,
    read: () => Promise<T>,
  ): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (versionId !== undefined || readFailureOf(error) === undefined) throw error;
      const address = addressOf(target);
      if (await this.protection.restore(address, target.bucket.props)) return await read();
      if (
        readFailureOf(error) === 'missing' &&
        (await this.rebalance.fetchFromPreviousOwner(address))
      )
        return await read();
      throw error;
    }
  }

  async #afterWrite(bucket: ResolvedBucket, object: StoredObject): Promise<void> {
    const address = { bucket: object.bucket, name: object.name };
    await this.protection.afterWrite(address, object, bucket.props);
    await this.rebalance.placeAfterWrite(address);
  }

  /**
   * Deletes here (a missing local replica is not yet an error), removes the EC pieces, then copies
   * other targets still hold during a rebalance.
   */
  async #deleteEverywhere(
    target: ObjectTarget,
    remove: () => Promise<unknown>,
    versionId?: string,
  ): Promise<void> {
    const address = addressOf(target);
    this.rebalance.beforeDelete(address, versionId);
    let missing: Error | undefined;
    try {
      await remove();
    } catch (error) {
      if (readFailureOf(error) !== 'missing' || !(error instanceof Error)) throw error;
      missing = error;
    }
    // Also when the local replica was already gone: pieces elsewhere must not bring it back.
    if (versionId === undefined) await this.protection.afterRemove(address, target.bucket.props);
    const removedElsewhere = await this.rebalance.deleteElsewhere(address, versionId);
    if (missing !== undefined && !removedElsewhere) throw missing;
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
