// The target's one object service: what the native and the S3 front ends call for reads, writes and
// deletes. The bucket is resolved once per request; a read opens the replica once (a Range header
// is resolved against the size read there); a read of the latest version whose replica is missing
// or corrupt is recovered by the protection policy, then by the rebalance policy, and retried
// once; writes and deletes apply both policies before they are acknowledged; a read sent here in
// place of an unreachable owner is served from what survives elsewhere.
import { StoreError, isStoreError } from '../../../errors/index.js';
import { isRemoteBucket, requireRemoteBucket, type Backend } from '../../../backends/index.js';
import type { ErasureCodingInfo, ObjectAddress, ObjectInfo } from '../../../api/native/index.js';
import type { Readable } from 'node:stream';
import type { ColdEviction } from '../../../jobs/index.js';
import type {
  ByteRange,
  ColdReplica,
  CompleteRequest,
  DeleteGuard,
  DeleteOutcome,
  ObjectLockState,
  LocalStore,
  NotInPlace,
  ObjectReadResult,
  PreparedTailAppend,
  PutObjectRequest,
  RangeResolver,
  StoredObject,
  WritePrecondition,
} from '../../../storage/index.js';
import { bucketDisplayName, type BucketJson } from '../../../wire/index.js';
import { bucketGoneError, lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { ProtectionPolicy, RebalancePolicy } from './object-policies.js';
import {
  addressOf,
  openGate,
  rangeResolverOf,
  readFailureOf,
  type BucketGate,
  type ObjectChangeListener,
  type ObjectRead,
  type ObjectTarget,
  type ReadOptions,
  type ResolvedBucket,
  resolvedBucket,
} from './object-types.js';
import { SubstituteReads } from './substitute-reads.js';
import { backendSource, ColdReads, describeRemote, type ColdSource } from './cold-reads.js';
import { writeThrough } from './write-through.js';
import { checkRemote, synchronizes, validatesWarmGet } from './warm-validation.js';
import type { SpaceGuard } from '../space/out-of-space.js';
import { evictColdBatch } from './cold-evictions.js';

export class ObjectService {
  readonly #substitutes: SubstituteReads;
  readonly #cold: ColdReads;
  readonly #changeListeners: ObjectChangeListener[] = [];

  constructor(
    private readonly runtime: NodeRuntime,
    readonly store: LocalStore,
    private readonly protection: ProtectionPolicy,
    private readonly rebalance: RebalancePolicy,
    /** Refuses what would store new data while the target is out of space (507). */
    readonly space: SpaceGuard,
    private readonly gate: BucketGate = openGate,
  ) {
    this.#substitutes = new SubstituteReads(store, protection, runtime.id);
    this.#cold = new ColdReads(store, runtime.clock, (bucket, object) =>
      this.#afterWrite(bucket, object),
    );
  }

  /**
   * Adds a listener of writes and deletes (derived data kept by name, such as shard indexes, is
   * dropped there). A listener's failure is its own: it must not throw.
   */
  onChange(listener: ObjectChangeListener): void {
    this.#changeListeners.push(listener);
  }

  async #changed(address: ObjectAddress): Promise<void> {
    for (const listener of this.#changeListeners) await listener(address);
  }

  /**
   * Resolves once a request routed here by a node that knew bucket metadata `senderVersion` (as
   * the request carried it) may look its bucket up (see BucketGate), and this target applied the
   * deletes taken while it was away from the map (it must not serve a deleted object's replica).
   * Undefined when it may now (the usual case: the request goes on without a promise or a tick).
   */
  bucketReady(bucket: BucketJson, senderVersion: string | undefined): Promise<void> | undefined {
    const catchingUp = this.rebalance.caughtUp();
    if (catchingUp === undefined) return this.gate.ready(bucket, senderVersion);
    return catchingUp.then(() => this.gate.ready(bucket, senderVersion));
  }

  /** The bucket's entry (BucketNotFound when it does not exist), for the rest of the request. */
  resolve(bucket: BucketJson): ResolvedBucket {
    return resolvedBucket(bucket, lookupBucket(this.runtime, bucket).props);
  }

  /**
   * The object's metadata (of the latest version unless `options.versionId`). In a remote bucket,
   * an object only the backend holds is described as the backend has it, not present here; with
   * `latest-ver` a cached one the backend changed is fetched again first (as a GET would), and one
   * it no longer has is a 404.
   */
  async head(
    target: ObjectTarget,
    options: ReadOptions = {},
  ): Promise<StoredObject & Pick<ObjectInfo, 'present'>> {
    if (
      options.latestVersion === true &&
      options.versionId === undefined &&
      options.substituteFor === undefined &&
      isRemoteBucket(target.bucket.bucket)
    )
      await this.#validateWarm(target);
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
    const resolver = rangeResolverOf(header);
    // The latest object (or a range of it) the content cache holds now: at once, none of the
    // async steps below.
    const latest = versionId === undefined && !options.coldSource;
    const hit = latest ? this.getCached(target, resolver) : undefined;
    if (hit !== undefined) return hit;
    const readStored = async (): Promise<ObjectRead> => {
      const read = await this.#recovering(target, versionId, () =>
        this.store.getObject(bucket, name, resolver, {
          versionId,
          verifyBeforeSend: this.protection.verifyBeforeSend(target.bucket.props),
          keepInMemory: true,
          keepRangeInMemory: options.keepRangeInMemory === true,
        }),
      );
      return this.#served(target, versionId, read);
    };
    if (
      versionId === undefined &&
      isRemoteBucket(bucket) &&
      validatesWarmGet(target.bucket, options.latestVersion === true)
    )
      await this.#validateWarm(target);
    try {
      return await readStored();
    } catch (error) {
      // What local recovery could not bring back, a remote bucket's backend has: a cold GET.
      if (versionId !== undefined || !isRemoteBucket(bucket) || readFailureOf(error) === undefined)
        throw error;
      const source = options.coldSource ?? backendSource(this.backendOf(target), name);
      await this.space.require(`cold GET of ${bucketDisplayName(bucket)}/${name}`);
      return await this.#cold.get(target, source, header === undefined, readStored);
    }
  }

  /**
   * As `get` of the latest object or `range` of it (`get` serves such a hit through it), at once
   * (no promise: a GetBatch's items, a file of a shard by its index), when the content cache
   * answers it now (`LocalStore.getCachedObject`: the whole object, a range sliced from it, or a
   * range kept by an earlier read of that range with `keepRangeInMemory`); undefined when `get`
   * must read: a remote bucket's object (warm validation, cold GET), no hit, a range refused.
   */
  getCached(target: ObjectTarget, range?: ByteRange | RangeResolver): ObjectRead | undefined {
    const { bucket } = target.bucket;
    if (isRemoteBucket(bucket)) return undefined;
    const read = this.store.getCachedObject(bucket, target.name, range);
    return read === undefined ? undefined : this.#served(target, undefined, read);
  }

  /** A read of the store, served: what reading it tells the policies. */
  #served(target: ObjectTarget, versionId: string | undefined, read: ObjectReadResult): ObjectRead {
    const { bucket } = target.bucket;
    const { name } = target;
    if (versionId === undefined) this.protection.afterRead(read.object, target.bucket.props);
    // What LRU evicts by: cached objects of remote buckets (ais data is never evicted).
    if (isRemoteBucket(bucket)) this.store.cold.recordAccess(bucket, name);
    return { object: read.object, body: read.body, range: read.range };
  }

  /**
   * `latest-ver` / `validate_warm_get` / `synchronize`: a cached object the backend changed is
   * fetched again before the read; one it no longer has is a 404 (evicted with `synchronize`).
   * An object not cached is left to the cold GET.
   */
  async #validateWarm(target: ObjectTarget): Promise<void> {
    const { bucket, name } = addressOf(target);
    const backend = this.runtime.backends.for(bucket, target.bucket.props);
    const cached = await this.#latest({ bucket, name });
    const found = await checkRemote(cached, backend, name);
    if (found === 'changed') {
      await this.space.require(`GET of the latest ${bucketDisplayName(bucket)}/${name}`);
      await this.#cold.fetch(target, backendSource(backend, name));
    }
    if (found !== 'removed') return;
    if (synchronizes(target.bucket)) {
      await this.evict(target).catch((error: unknown) => {
        if (readFailureOf(error) !== 'missing') throw error;
      });
    }
    throw new StoreError(
      'ObjectNotFound',
      `${bucketDisplayName(bucket)}/${name} does not exist in ${backend.description}`,
    );
  }

  /**
   * Prefetch of one object: fetched from the backend (or `source`) when not cached, or (with
   * `latestVersion`) when the cached copy is not the remote's; ObjectNotFound when the remote does
   * not have it. Says whether it fetched.
   */
  async prefetch(
    target: ObjectTarget,
    latestVersion: boolean,
    source?: ColdSource,
  ): Promise<boolean> {
    requireRemoteBucket(target.bucket.bucket, 'prefetch-listrange');
    if (!(await this.needsFetch(target, latestVersion))) return false;
    await this.fetchRemote(target, source ?? backendSource(this.backendOf(target), target.name));
    return true;
  }

  /**
   * Whether a remote bucket's object is to be fetched: it is not cached, or (with
   * `latestVersion`) the cached copy is not the remote's. ObjectNotFound when the remote no longer
   * has a cached one.
   */
  async needsFetch(target: ObjectTarget, latestVersion: boolean): Promise<boolean> {
    const { bucket, name } = addressOf(target);
    const cached = await this.#latest({ bucket, name });
    if (cached !== undefined && !latestVersion) return false;
    const backend = this.backendOf(target);
    const found = await checkRemote(cached, backend, name);
    if (found === 'removed')
      throw new StoreError(
        'ObjectNotFound',
        `${bucketDisplayName(bucket)}/${name} does not exist in ${backend.description}`,
      );
    return found !== 'unchanged';
  }

  /**
   * Fetches a remote bucket's object from `source` into the store (a cold GET without a client;
   * concurrent fetches of it share one), refused at out-of-space.
   */
  async fetchRemote(target: ObjectTarget, source: ColdSource): Promise<void> {
    await this.space.require(`fetch of ${bucketDisplayName(target.bucket.bucket)}/${target.name}`);
    await this.#cold.fetch(target, source);
  }

  /** The backend of a remote bucket's object. */
  backendOf(target: ObjectTarget): Backend {
    return this.runtime.backends.for(target.bucket.bucket, target.bucket.props);
  }

  /** The EC layout a HEAD reports (undefined when the object is not erasure-coded). */
  describe(target: ObjectTarget): Promise<ErasureCodingInfo | undefined> {
    return this.protection.describe(addressOf(target), target.bucket.props);
  }

  /** Stores an object, then protects it (and hands it to its owner when misplaced). */
  async put(bucket: ResolvedBucket, request: PutObjectRequest): Promise<StoredObject> {
    await this.space.require(`PUT of ${bucketDisplayName(bucket.bucket)}/${request.name}`);
    const write = isRemoteBucket(bucket.bucket)
      ? writeThrough(bucket, this.runtime.backends.for(bucket.bucket, bucket.props), request)
      : request;
    return await this.#write(bucket, request.name, () => this.store.putObject(write));
  }

  /**
   * Readies an append in place over the object's zero tail (an uncompressed tar's end blocks), or
   * says why it cannot take one. A remote bucket (written through), a bucket that keeps copies or
   * slices, or one whose versions have IDs has its object rewritten instead: its backend, copies,
   * slices or kept versions would otherwise hold other bytes.
   */
  async prepareTailAppend(
    target: ObjectTarget,
    offsetBytes: number,
  ): Promise<PreparedTailAppend | NotInPlace> {
    const { bucket, props, versioned } = target.bucket;
    if (isRemoteBucket(bucket)) return { notInPlace: 'a remote bucket is written through' };
    if (this.protection.isProtected(props)) return { notInPlace: 'the bucket keeps copies' };
    if (versioned) return { notInPlace: 'the bucket keeps (or kept) history' };
    await this.space.require(`append to ${bucketDisplayName(bucket)}/${target.name}`);
    const request = { bucket, name: target.name, offsetBytes, checksumType: props.checksum.type };
    return await this.store.prepareTailAppend(request);
  }

  /** Commits a prepared append in place; the object is then placed like any written one. */
  async commitTailAppend(
    target: ObjectTarget,
    prepared: PreparedTailAppend,
    body: Readable,
  ): Promise<StoredObject> {
    const object = await this.gate.write(target.bucket.bucket, () =>
      prepared.commit(body, target.bucket.props.versioning.enabled),
    );
    await this.#afterWrite(target.bucket, object);
    return object;
  }

  /** Completes a multipart upload; the chunked object is then protected like any PUT. */
  async completeUpload(bucket: ResolvedBucket, request: CompleteRequest): Promise<StoredObject> {
    return await this.#write(bucket, request.name, () =>
      this.store.uploads.completeUpload(request),
    );
  }

  /**
   * Merges (or with `replace` replaces) the custom metadata of the latest version (or of
   * `versionId`), then updates copies and pieces.
   */
  async setCustomMetadata(
    target: ObjectTarget,
    metadata: Record<string, string>,
    replace: boolean,
    versionId?: string,
  ): Promise<StoredObject> {
    const { bucket, name } = addressOf(target);
    const object = await this.store.setCustomMetadata(bucket, name, metadata, replace, versionId);
    await this.#afterMetadataChange(target, object);
    return object;
  }

  /** Replaces the S3 tags of the latest version (or of `versionId`), then copies and pieces. */
  async setTags(
    target: ObjectTarget,
    tags: Record<string, string>,
    versionId?: string,
  ): Promise<StoredObject> {
    const { bucket, name } = addressOf(target);
    const object = await this.store.setTags(bucket, name, tags, versionId);
    await this.#afterMetadataChange(target, object);
    return object;
  }

  /** Changes the S3 object lock of the latest version (or of `versionId`), then copies and pieces. */
  async setObjectLock(
    target: ObjectTarget,
    versionId: string | undefined,
    change: (current: ObjectLockState) => ObjectLockState,
  ): Promise<StoredObject> {
    const { bucket, name } = addressOf(target);
    const object = await this.store.setObjectLock(bucket, name, versionId, change);
    await this.#afterMetadataChange(target, object);
    return object;
  }

  /**
   * Deletes the object: in a bucket that keeps history a delete marker hides it (or, with
   * `versionId`, that version goes); elsewhere every replica goes. Then what protects it, and the
   * copies a rebalance has not moved yet. Not found only when there was nothing anywhere.
   */
  async delete(
    target: ObjectTarget,
    versionId?: string,
    guard?: DeleteGuard,
    precondition?: WritePrecondition,
  ): Promise<DeleteOutcome> {
    const outcome = await this.#delete(target, versionId, guard, precondition);
    await this.#changed(addressOf(target));
    return outcome;
  }

  async #delete(
    target: ObjectTarget,
    versionId?: string,
    guard?: DeleteGuard,
    precondition?: WritePrecondition,
  ): Promise<DeleteOutcome> {
    const address = addressOf(target);
    const { history, props } = target.bucket;
    if (isRemoteBucket(address.bucket)) {
      // The remote first: when it fails, the cached copy stays and the delete fails.
      await this.runtime.backends.for(address.bucket, props).delete(target.name);
      await this.evict(target).catch((error: unknown) => {
        if (readFailureOf(error) !== 'missing') throw error;
      });
      return { deleteMarker: false };
    }
    if (history === undefined) {
      await this.#deleteEverywhere(target, () =>
        this.store.deleteObject(address.bucket, address.name, { precondition }),
      );
      return { deleteMarker: false };
    }
    const before = await this.store.latestVersion(address.bucket, address.name);
    let outcome: DeleteOutcome = { deleteMarker: false };
    const remove = async (): Promise<void> => {
      outcome = await this.store.deleteObject(address.bucket, address.name, {
        history,
        versionId,
        guard,
        precondition,
      });
    };
    // A delete marker hides whatever moves in later (it is newer); a version deleted by ID must
    // also go where a rebalance has not moved it from yet.
    if (versionId === undefined) await remove();
    else await this.#deleteEverywhere(target, remove, versionId);
    const after = await this.store.latestVersion(address.bucket, address.name);
    const latestChanged =
      before?.versionId !== after?.versionId || (before === undefined) !== (after === undefined);
    if (latestChanged) {
      // The old latest's pieces (under the object's name) go; the new latest is protected.
      await this.protection.afterRemove(address, props);
      if (after?.deleteMarker === true)
        await this.protection.protectMarker(address, after.versionId ?? 'null', props);
      else if (after !== undefined) await this.protection.afterWrite(address, after, props);
    }
    if (versionId !== undefined) await this.protection.afterRemoveKept(address, versionId, props);
    else if (before !== undefined && latestChanged)
      // The version the delete marker pushed down to `%vr` is protected as a kept one.
      await this.protection.protectKept(address, [before.versionId ?? 'null'], props);
    return outcome;
  }

  /**
   * Evicts a remote bucket's cached object: its replica, copies and EC pieces go, here and where a
   * rebalance has not moved them from; the remote keeps it, so the next GET is a cold GET. Not
   * found when nothing was cached.
   */
  async evict(target: ObjectTarget): Promise<void> {
    const address = addressOf(target);
    requireRemoteBucket(address.bucket, 'evict');
    await this.#deleteEverywhere(target, () =>
      this.store.deleteObject(address.bucket, address.name),
    );
    await this.#changed(address);
  }

  /** LRU's eviction of a batch of cold cached objects (see evictColdBatch). */
  evictCold(
    bucket: ResolvedBucket,
    replicas: readonly ColdReplica[],
    readBeforeMs: number,
  ): Promise<ColdEviction[]> {
    const changed =
      this.#changeListeners.length > 0
        ? (address: ObjectAddress) => this.#changed(address)
        : undefined;
    const service = {
      store: this.store,
      rebalance: this.rebalance,
      changed,
      evict: (target: ObjectTarget) => this.evict(target),
    };
    return evictColdBatch(service, bucket, replicas, readBeforeMs);
  }

  /**
   * Runs a read; when its replica is missing or corrupt, restores it (protection first, then, for
   * the latest version, the previous owner during a rebalance) and retries once.
   */
  async #recovering<T>(
    target: ObjectTarget,
    versionId: string | undefined,
    read: () => Promise<T>,
  ): Promise<T> {
    try {
      return await read();
    } catch (error) {
      // A version missing here may be one this target is the new owner of: its pieces may hold it.
      const lostVersion =
        versionId !== undefined && isStoreError(error) && error.code === 'NoSuchVersion';
      if (readFailureOf(error) === undefined && !lostVersion) throw error;
      const address = addressOf(target);
      const { props } = target.bucket;
      // A version read by ID is a kept one or the latest: each is tried.
      if (versionId !== undefined && (await this.protection.restoreKept(address, versionId, props)))
        return await read();
      if (!lostVersion && (await this.protection.restore(address, props))) return await read();
      if (
        versionId === undefined &&
        readFailureOf(error) === 'missing' &&
        (await this.rebalance.fetchFromPreviousOwner(address))
      )
        return await read();
      throw error;
    }
  }

  /**
   * A write, then its protection: in a protected bucket that keeps history, the version it pushed
   * down to `%vr` gets its copies and EC pieces too.
   */
  async #write(
    bucket: ResolvedBucket,
    name: string,
    write: () => Promise<StoredObject>,
  ): Promise<StoredObject> {
    const keepsProtected =
      bucket.history !== undefined && this.protection.isProtected(bucket.props);
    const before = keepsProtected ? await this.store.latestVersion(bucket.bucket, name) : undefined;
    let object: StoredObject;
    try {
      object = await this.gate.write(bucket.bucket, write);
    } catch (error) {
      throw bucketGoneError(this.runtime, bucket.bucket) ?? error;
    }
    if (before !== undefined && before.versionId !== object.versionId) {
      const address = { bucket: object.bucket, name: object.name };
      await this.protection.protectKept(address, [before.versionId ?? 'null'], bucket.props);
    }
    await this.#afterWrite(bucket, object);
    return object;
  }

  async #afterWrite(bucket: ResolvedBucket, object: StoredObject): Promise<void> {
    const address = { bucket: object.bucket, name: object.name };
    await this.protection.afterWrite(address, object, bucket.props);
    await this.rebalance.placeAfterWrite(address);
    await this.#changed(address);
  }

  /** The changed version's protection carries the change before it is acknowledged. */
  async #afterMetadataChange(target: ObjectTarget, object: StoredObject): Promise<void> {
    const address = addressOf(target);
    const latest = await this.#latest(address);
    const isLatest = latest !== undefined && latest.versionId === object.versionId;
    const versionId = isLatest ? undefined : (object.versionId ?? 'null');
    await this.protection.afterMetadataChange(address, target.bucket.props, versionId);
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
    const undo = await this.rebalance.beforeDelete(address, versionId);
    let missing: Error | undefined;
    try {
      await remove();
    } catch (error) {
      if (readFailureOf(error) !== 'missing' || !(error instanceof Error)) {
        // Refused (a precondition, a lock) or failed: nothing was deleted, nothing may say so.
        await undo();
        throw error;
      }
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
