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
import type { LocalStore } from '../../storage/index.js';
import { validateObjectName } from '../../storage/layout/index.js';
import { objectUname, Query } from '../../wire/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export class TargetObjects implements ObjectPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
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

  head(address: ObjectAddress): Promise<ObjectInfo> {
    return this.store.headObject(address.bucket, address.name);
  }

  async get(
    address: ObjectAddress,
    rangeHeader: string | undefined,
  ): Promise<{
    object: ObjectInfo;
    body: ObjectBodySource;
    range: ReturnType<typeof resolveRange>;
  }> {
    if (rangeHeader === undefined || rangeHeader === '') {
      const { object, body } = await this.store.getObject(address.bucket, address.name);
      return { object, body, range: undefined };
    }
    const info = await this.store.headObject(address.bucket, address.name);
    const range = resolveRange(rangeHeader, info.size);
    const { object, body } = await this.store.getObject(address.bucket, address.name, range);
    return { object, body, range };
  }

  async put(address: ObjectAddress, body: Readable, options: PutOptions): Promise<ObjectInfo> {
    const { props } = lookupBucket(this.runtime, address.bucket);
    return this.store.putObject({
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
    });
  }

  delete(address: ObjectAddress): Promise<void> {
    return this.store.deleteObject(address.bucket, address.name);
  }

  setCustomMetadata(
    address: ObjectAddress,
    metadata: Record<string, string>,
    replace: boolean,
  ): Promise<ObjectInfo> {
    return this.store.setCustomMetadata(address.bucket, address.name, metadata, replace);
  }
}
