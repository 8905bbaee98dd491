// The remote-AIS backend: a bucket of an attached AIStore-compatible cluster (`ais://@alias/b`),
// reached through its native API with Cairn's own SDK client (undici; object requests go straight
// to the remote's owning target, so a streamed PUT body is never sent twice).
import type { Readable } from 'node:stream';
import type { Client, ObjectProps } from '../sdk/index.js';
import type { BucketJson } from '../wire/index.js';
import type { ByteRange } from '../storage/index.js';
import type {
  Backend,
  RemoteListOptions,
  RemoteObject,
  RemotePage,
  RemotePutOptions,
  RemoteRead,
} from './backend.js';
import {
  backendError,
  describeBackend,
  relayRemoteBody,
  type BackendIdentity,
} from './backend-errors.js';

/** What a listing asks the remote for: enough to describe and compare each object. */
const listedProps = 'name,size,version,checksum';

export class AisBackend implements Backend {
  readonly description: string;

  constructor(
    private readonly client: Client,
    /** The bucket as the remote names it (its own namespace, never ours). */
    private readonly bucket: BucketJson,
    private readonly identity: BackendIdentity,
  ) {
    this.description = describeBackend(identity);
  }

  async headBucket(): Promise<void> {
    await this.#call('HEAD bucket', undefined, () => this.client.bucketProps(this.bucket));
  }

  async list(options: RemoteListOptions): Promise<RemotePage> {
    const page = await this.#call('list objects', undefined, () =>
      this.client.listObjectsPage(this.bucket, {
        props: listedProps,
        pagesize: options.limit,
        ...(options.prefix === undefined || options.prefix === ''
          ? {}
          : { prefix: options.prefix }),
        ...(options.continuationToken === undefined
          ? {}
          : { continuation_token: options.continuationToken }),
        ...(options.startAfter === undefined || options.startAfter === ''
          ? {}
          : { start_after: options.startAfter }),
      }),
    );
    const entries: RemoteObject[] = page.entries.map((entry) => ({
      name: entry.name,
      size: Number(entry.size ?? 0),
      ...(entry.version === undefined || entry.version === '' ? {} : { version: entry.version }),
      customMetadata: {},
    }));
    const token = page.continuation_token;
    return token === '' ? { entries } : { entries, continuationToken: token };
  }

  async head(name: string): Promise<RemoteObject> {
    const props = await this.#call('HEAD object', name, () =>
      this.client.headObject(this.bucket, name),
    );
    return describeProps(name, props.size, props);
  }

  async get(name: string, range?: ByteRange): Promise<RemoteRead> {
    const read = await this.#call('GET object', name, () =>
      this.client.getObject(this.bucket, name, range === undefined ? {} : { range }),
    );
    const body = relayRemoteBody(this.identity, name, read.body);
    return { object: describeProps(name, read.props.size, read.props), body };
  }

  /**
   * PUTs the body (it can be sent once: a second `open`, which only a stale placement at the
   * remote would ask for, fails the PUT), sets the custom metadata, and reads back the version
   * the remote gave it.
   */
  async put(name: string, body: Readable, options: RemotePutOptions): Promise<RemoteObject> {
    let opened = false;
    const once = (): Readable => {
      if (opened) throw new Error(`the body of ${name} cannot be sent to the remote twice`);
      opened = true;
      return body;
    };
    await this.#call('PUT object', name, () =>
      this.client.putObject(this.bucket, name, { size: options.size, open: once }),
    );
    const metadata = options.customMetadata ?? {};
    if (Object.keys(metadata).length > 0) {
      await this.#call('set custom metadata', name, () =>
        this.client.setCustomMetadata(this.bucket, name, metadata),
      );
    }
    return await this.head(name);
  }

  async delete(name: string): Promise<void> {
    try {
      await this.client.deleteObject(this.bucket, name);
    } catch (error) {
      const mapped = backendError(this.identity, 'DELETE object', error, name);
      if (mapped.code !== 'ObjectNotFound') throw mapped;
    }
  }

  async #call<T>(operation: string, name: string | undefined, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw backendError(this.identity, operation, error, name);
    }
  }
}

function describeProps(name: string, size: number, props: ObjectProps): RemoteObject {
  return {
    name,
    size,
    ...(props.etag === undefined ? {} : { etag: props.etag }),
    ...(props.version === undefined ? {} : { version: props.version }),
    ...(props.lastModified === undefined ? {} : { lastModifiedMs: props.lastModified.getTime() }),
    customMetadata: { ...props.customMetadata },
  };
}

/** Identity of an attached cluster's bucket for messages: `ais://@alias/b at http://host:port`. */
export function aisBackendIdentity(alias: string, bucket: string, url: string): BackendIdentity {
  return { bucketUri: `ais://@${alias}/${bucket}`, remote: url };
}
