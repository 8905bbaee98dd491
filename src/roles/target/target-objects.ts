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

  redirect(address: ObjectAddress, context: RequestContext): Promise<string | undefined> {
    lookupBucket(this.runtime, address.bucket);
    validateObjectName(address.name);
    if (context.query.has(Query.redirectProxyId)) return Promise.resolve(undefined);
    const owner = this.runtime.store.clusterMap?.ownerOf(objectUname(address.bucket, address.name));
    if (owner === undefined || owner.id === this.runtime.id) return Promise.resolve(undefined);
    const query = new URLSearchParams(context.search);
    query.set(Query.redirectProxyId, this.runtime.id);
    return Promise.resolve(`${owner.publicUrl}${context.path}?${query.toString()}`);
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

  /** In a bucket that keeps history, a delete marker hides the object (as an S3 DELETE does). */
  async delete(address: ObjectAddress): Promise<void> {
    const { props } = lookupBucket(this.runtime, address.bucket);
    try {
      await this.store.deleteObject(address.bucket, address.name, {
        history: keptHistoryOf(props),
      });
    } finally {
      // Also when the local replica was already gone: pieces elsewhere must not bring it back.
      for (const hook of this.hooks.afterDelete) await hook(address, props);
    }
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
