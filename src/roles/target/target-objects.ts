// The target's object data path: serve reads and writes from the local store, redirect requests
// for objects another target owns (unless a gateway already routed them here).
import type { Readable } from 'node:stream';
import { resolveRange, type RequestContext } from '../../api/common/index.js';
import type {
  ObjectAddress,
  ObjectBodySource,
  ObjectInfo,
  ObjectPort,
  PutOptions,
} from '../../api/native/index.js';
import { parseChecksumType } from '../../checksum/index.js';
import { isStoreError } from '../../errors/index.js';
import type { LocalStore, StoredObject } from '../../storage/index.js';
import { validateObjectName } from '../../storage/layout/index.js';
import { keptHistoryOf, objectUname, Query, type BucketPropsJson } from '../../wire/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { ObjectHooks, ReadFailure } from './object-hooks.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export class TargetObjects implements ObjectPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
    private readonly hooks: ObjectHooks,
  ) {}

  /**
   * Serves here when this target owns the object. A node that redirected here with a newer
   * cluster map than this target's is believed: the new map is on its way, so the target waits for
   * it briefly (then it knows the rebalance that may be moving the object here), and serves if
   * the object is its own or the map did not come. Otherwise the request goes on to the owner: a
   * gateway or client with an older map reaches the right target, in two redirects at most.
   */
  async redirect(address: ObjectAddress, context: RequestContext): Promise<string | undefined> {
    lookupBucket(this.runtime, address.bucket);
    validateObjectName(address.name);
    const uname = objectUname(address.bucket, address.name);
    let map = this.runtime.store.clusterMap;
    let owner = map?.ownerOf(uname);
    if (map === undefined || owner === undefined || owner.id === this.runtime.id) return undefined;
    const senderVersion = Number(context.query.get(Query.redirectMapVersion) ?? Number.NaN);
    const redirected = context.query.has(Query.redirectProxyId);
    // Without a version (an older gateway), trust the redirect as before.
    if (redirected && Number.isNaN(senderVersion)) return undefined;
    if (redirected && senderVersion > map.version) {
      const { keepalive } = this.runtime.store.config.values;
      await this.runtime.store.waitForClusterMap(senderVersion, keepalive.interval_ms * 2);
      map = this.runtime.store.clusterMap ?? map;
      owner = map.ownerOf(uname);
      if (owner === undefined || owner.id === this.runtime.id || senderVersion > map.version)
        return undefined;
    }
    if (redirected && senderVersion === map.version) return undefined;
    const query = new URLSearchParams(context.search);
    query.set(Query.redirectProxyId, this.runtime.id);
    query.set(Query.redirectMapVersion, String(map.version));
    return `${owner.publicUrl}${context.path}?${query.toString()}`;
  }

  async head(address: ObjectAddress): Promise<ObjectInfo> {
    const object = await this.#withRecovery(address, () =>
      this.store.headObject(address.bucket, address.name),
    );
    const { props } = lookupBucket(this.runtime, address.bucket);
    this.#afterRead(object, props);
    const info: ObjectInfo = { ...object };
    for (const hook of this.hooks.describe) info.erasureCoding ??= await hook(address, props);
    return info;
  }

  get(
    address: ObjectAddress,
    rangeHeader: string | undefined,
  ): Promise<{
    object: ObjectInfo;
    body: ObjectBodySource;
    range: ReturnType<typeof resolveRange>;
  }> {
    const { props } = lookupBucket(this.runtime, address.bucket);
    const options = { verifyBeforeSend: this.hooks.verifyBeforeSend(props) };
    return this.#withRecovery(address, async () => {
      if (rangeHeader === undefined || rangeHeader === '') {
        const read = await this.store.getObject(address.bucket, address.name, undefined, options);
        this.#afterRead(read.object, props);
        return { object: read.object, body: read.body, range: undefined };
      }
      const info = await this.store.headObject(address.bucket, address.name);
      const range = resolveRange(rangeHeader, info.size);
      const { object, body } = await this.store.getObject(address.bucket, address.name, range);
      this.#afterRead(object, props);
      return { object, body, range };
    });
  }

  #afterRead(object: StoredObject, props: BucketPropsJson): void {
    for (const hook of this.hooks.afterRead) hook(object, props);
  }

  async put(address: ObjectAddress, body: Readable, options: PutOptions): Promise<ObjectInfo> {
    const { props } = lookupBucket(this.runtime, address.bucket);
    const object = await this.store.putObject({
      bucket: address.bucket,
      name: address.name,
      body,
      ...(options.contentLength === undefined ? {} : { contentLength: options.contentLength }),
      checksumType: props.checksum.type,
      ...(options.checksum === undefined
        ? {}
        : {
            expectedChecksum: {
              type: parseChecksumType(options.checksum.type),
              value: options.checksum.value,
            },
          }),
      versioning: props.versioning.enabled,
      history: keptHistoryOf(props),
    });
    for (const hook of this.hooks.afterPut) await hook(address, object, props);
    return object;
  }

  /**
   * Runs a read; when the local replica is missing or corrupt, asks the recovery hooks to restore
   * it and retries once. Without a hook that helps, the original error stands.
   */
  async #withRecovery<T>(address: ObjectAddress, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      const failure = readFailureOf(error);
      if (failure === undefined || this.hooks.readRecovery.length === 0) throw error;
      const { props } = lookupBucket(this.runtime, address.bucket);
      for (const hook of this.hooks.readRecovery) {
        if (await hook(address, failure, props)) return read();
      }
      throw error;
    }
  }

  /**
   * Deletes the local replica (in a bucket that keeps history, a delete marker hides the object, as
   * an S3 DELETE does), then copies elsewhere: EC pieces, and a previous owner's copy during a
   * rebalance. Not found only when there was nothing anywhere.
   */
  async delete(address: ObjectAddress): Promise<void> {
    const { props } = lookupBucket(this.runtime, address.bucket);
    for (const hook of this.hooks.beforeDelete) hook(address);
    let missing: Error | undefined;
    try {
      await this.store.deleteObject(address.bucket, address.name, {
        history: keptHistoryOf(props),
      });
    } catch (error) {
      if (readFailureOf(error) !== 'missing' || !(error instanceof Error)) throw error;
      missing = error;
    }
    // Also when the local replica was already gone: pieces elsewhere must not bring it back.
    for (const hook of this.hooks.afterDelete) await hook(address, props);
    let removedElsewhere = false;
    for (const hook of this.hooks.deleteElsewhere) if (await hook(address)) removedElsewhere = true;
    if (missing !== undefined && !removedElsewhere) throw missing;
  }

  setCustomMetadata(
    address: ObjectAddress,
    metadata: Record<string, string>,
    replace: boolean,
  ): Promise<ObjectInfo> {
    return this.store.setCustomMetadata(address.bucket, address.name, metadata, replace);
  }
}

function readFailureOf(error: unknown): ReadFailure | undefined {
  if (!isStoreError(error)) return undefined;
  if (error.code === 'ObjectNotFound') return 'missing';
  if (error.code === 'ObjectCorrupted') return 'corrupted';
  return undefined;
}
