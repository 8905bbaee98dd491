// The native API's object port on a target: requests go to the object service (copies, appends
// and native multipart uploads through their modules over it), or are redirected to the target
// that owns the object (unless a gateway already routed them here).
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../../api/common/index.js';
import {
  appendHandleNode,
  type ArchiveRead,
  type ArchiveReadRequest,
  type ArchiveWriteRequest,
  invalidAppendHandle,
  type AppendRequest,
  type CopyOptions,
  type HeadOptions,
  type ObjectAddress,
  type ObjectInfo,
  type ObjectPort,
  type PartRequest,
  type PutOptions,
  type ReadRouting,
} from '../../../api/native/index.js';
import type { LocalStore } from '../../../storage/index.js';
import { validateObjectName } from '../../../storage/layout/index.js';
import { badRequest, notImplemented, rejection } from '../../../errors/index.js';
import {
  encryptionMetadataKey,
  objectUname,
  Query,
  reservedKeyIn,
  type BucketJson,
  type BucketPropsJson,
  type PromoteArgsJson,
} from '../../../wire/index.js';
import { checkedBucketEntry } from '../../common/bucket-lookup.js';
import { checkPromote } from '../../common/ais-bucket/promote.js';
import { ObjectAppends } from './object-appends.js';
import { copyObject } from './object-copy.js';
import type { ObjectService } from './object-service.js';
import {
  nativePutRequest,
  rangeResolverOf,
  resolvedBucket,
  type ObjectRead,
  type ObjectTarget,
  type ResolvedBucket,
} from './object-types.js';
import { NativeMultipart } from './native-multipart.js';
import { plaintextView, storedSegments, type ObjectEncryption } from './object-encryption.js';
import { readFromShard } from '../shards/shard-reads.js';
import type { ShardIndexes } from '../shards/shard-indexes.js';
import { writeIntoShard } from '../shards/shard-writes.js';
import { refuseOnRemote } from './write-through.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { BlobDownloads } from '../blob/blob-downloads.js';
import { checkOriginalUrl, requireRemoteBucket } from '../../../backends/index.js';
import type { ClusterMap } from '../../../cluster/index.js';

export class TargetObjects implements ObjectPort {
  readonly appends: ObjectAppends;
  readonly #multipart: NativeMultipart;
  /**
   * The last GET's or HEAD's bucket as `redirect` resolved it when it answered "serve here", with
   * the request's address it belongs to (the route passes the same object on to `get` or `head`,
   * with no I/O in between): those look the bucket up once per request. One slot, not a WeakMap:
   * a WeakMap entry costs a runtime call and an ephemeron for the garbage collector on every GET.
   * Taken once; another request's redirect in between takes the slot, and the address that lost
   * it (or any other use) resolves anew.
   */
  #resolvedFor: ObjectAddress | undefined;
  #resolved: ResolvedBucket | undefined;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly objects: ObjectService,
    private readonly shardIndexes: ShardIndexes,
    private readonly encryption: ObjectEncryption,
    private readonly blobs: BlobDownloads,
  ) {
    this.appends = new ObjectAppends(runtime, objects);
    this.#multipart = new NativeMultipart(objects);
  }

  private get store(): LocalStore {
    return this.objects.store;
  }

  /**
   * Serves here when this target owns the object, once this target knows the bucket metadata the
   * redirecting node routed by (see BucketGate.ready). A node that redirected here with a newer
   * cluster map than this target's is believed: the new map is on its way, so the target waits for
   * it briefly (then it knows the rebalance that may be moving the object here), and serves if
   * the object is its own or the map did not come. Otherwise the request goes on to the owner: a
   * gateway or client with an older map reaches the right target, in two redirects at most.
   */
  redirect(
    address: ObjectAddress,
    context: RequestContext,
  ): string | undefined | Promise<string | undefined> {
    const waiting = this.objects.bucketReady(
      address.bucket,
      context.query.get(Query.redirectBucketMetadataVersion) ?? undefined,
    );
    if (waiting !== undefined) return waiting.then(() => this.#route(address, context));
    // At once when nothing is to wait for (the usual case); a refusal is a rejection, as always.
    try {
      return this.#route(address, context);
    } catch (error) {
      return rejection(error);
    }
  }

  /** `redirect` once the bucket is ready: a promise only when it waits for a newer cluster map. */
  #route(
    address: ObjectAddress,
    context: RequestContext,
  ): string | undefined | Promise<string | undefined> {
    const { query } = context;
    const { bucket } = address;
    // A request a node sent here: its map version, or NaN (an older gateway's, without one).
    const redirected = query.has(Query.redirectProxyId);
    // Looked up once: for the check of an unknown bucket, then for the request (see #resolved).
    const known = this.runtime.store.bucketMetadata;
    const entry = known?.get(bucket);
    if (!redirected && known !== undefined && entry === undefined) {
      const unknownBucketAuthority = this.#unknownBucketAuthority(context);
      if (unknownBucketAuthority !== undefined) return unknownBucketAuthority;
    }
    const { props } = checkedBucketEntry(bucket, known, entry);
    validateObjectName(address.name);
    // A gateway sent a read here in place of an unreachable owner: served here, whatever the map.
    if (query.has(Query.substituteFor)) return this.#serveHere(address, context, props);
    const map = this.runtime.store.clusterMap;
    // An append goes on where its work file is, whoever owns the object now.
    const appendNode = appendHandleNode(context);
    if (appendNode !== undefined && appendNode !== this.runtime.id) {
      const holder = map?.targets.get(appendNode);
      if (holder === undefined) {
        const handle = query.get(Query.appendHandle) ?? '';
        throw invalidAppendHandle(handle, `node ${appendNode} not present in the cluster map`);
      }
      return `${holder.publicUrl}${context.path}${context.search}`;
    }
    if (appendNode !== undefined) return undefined;
    const senderVersion = redirected
      ? Number(query.get(Query.redirectMapVersion) ?? Number.NaN)
      : Number.NaN;
    // A node that routed here with this target's map (or an older gateway, without a version:
    // trusted as before) is served here whoever the owner, so no owner is computed for it (the
    // usual GET through a gateway).
    if (redirected && (Number.isNaN(senderVersion) || senderVersion === map?.version))
      return this.#serveHere(address, context, props);
    const uname = objectUname(address.bucket, address.name);
    const owner = map?.ownerOf(uname);
    if (map === undefined || owner === undefined || owner.id === this.runtime.id)
      return this.#serveHere(address, context, props);
    if (redirected && senderVersion > map.version)
      return this.#afterNewerMap(address, context, props, uname, senderVersion);
    return this.#ownerUrl(map, owner, context);
  }

  /**
   * A node redirected here with a newer cluster map than this target's: the new map is on its
   * way, so the target waits for it briefly (then it knows the rebalance that may be moving the
   * object here), and serves if the object is its own or the map did not come.
   */
  async #afterNewerMap(
    address: ObjectAddress,
    context: RequestContext,
    props: BucketPropsJson,
    uname: string,
    senderVersion: number,
  ): Promise<string | undefined> {
    const { store } = this.runtime;
    await store.waitForClusterMap(senderVersion, store.config.values.keepalive.interval_ms * 2);
    const map = store.clusterMap;
    const owner = map?.ownerOf(uname);
    if (map === undefined || owner === undefined || owner.id === this.runtime.id) return undefined;
    if (senderVersion > map.version) return undefined;
    if (senderVersion === map.version) return this.#serveHere(address, context, props);
    return this.#ownerUrl(map, owner, context);
  }

  /** The owner's URL for the request, marked as this target's redirect with its map's versions. */
  #ownerUrl(map: ClusterMap, owner: { publicUrl: string }, context: RequestContext): string {
    const forwarded = new URLSearchParams(context.search);
    forwarded.set(Query.redirectProxyId, this.runtime.id);
    forwarded.set(Query.redirectMapVersion, String(map.version));
    const ownBucketMetadata = this.runtime.store.bucketMetadata?.version ?? 0;
    forwarded.set(Query.redirectBucketMetadataVersion, String(ownBucketMetadata));
    return `${owner.publicUrl}${context.path}?${forwarded.toString()}`;
  }

  /** "Serve here", keeping a GET's or HEAD's resolved bucket for it (see #resolved). */
  #serveHere(address: ObjectAddress, context: RequestContext, props: BucketPropsJson): undefined {
    if (context.method === 'GET' || context.method === 'HEAD') {
      this.#resolvedFor = address;
      this.#resolved = resolvedBucket(address.bucket, props);
    }
    return undefined;
  }

  /**
   * A client in direct mode (its own placement, no gateway) may name a bucket this target has not
   * heard of yet: the primary applies a bucket change (a move-bck's new name) before the targets
   * do, and another target may already have told the client the old name is gone. Such a request
   * goes to the primary, the authority on buckets: it answers "does not exist" itself, or
   * redirects back with its metadata version, which the owner then waits for (see BucketGate).
   * Asked only of a request no node redirected here.
   */
  #unknownBucketAuthority(context: RequestContext): string | undefined {
    const primary = this.runtime.store.clusterMap?.primary;
    if (primary === undefined) return undefined;
    return `${primary.publicUrl}${context.path}${context.search}`;
  }

  async head(address: ObjectAddress, options?: HeadOptions): Promise<ObjectInfo> {
    const target = this.#resolvedTarget(address);
    checkOriginal(target, options);
    const routing: ReadRouting =
      options?.substituteFor === undefined ? {} : { substituteFor: options.substituteFor };
    const object = await this.objects.head(target, {
      ...routing,
      inClusterOnly: options?.inClusterOnly === true,
      latestVersion: options?.latestVersion === true,
    });
    if (object.present === false) return object;
    // An encrypted object is described as its plaintext (size; its record is no user metadata).
    const info: ObjectInfo = { ...object, ...plaintextView(object) };
    if (options?.chunks === true && object.chunkSet !== undefined) {
      info.chunks = await this.store.uploads.chunkLayout(address.bucket, object.chunkSet);
    }
    if (routing.substituteFor !== undefined) return info;
    const erasureCoding = await this.objects.describe(target);
    if (erasureCoding !== undefined) info.erasureCoding = erasureCoding;
    return info;
  }

  /**
   * SSE-S3 objects are decrypted; SSE-C ones are refused (their key comes only with S3 requests):
   * ciphertext is never served as if it were the object. A content hit of an unencrypted object
   * (a plain read: no blob download, no stand-in, no `original_url`) of the bucket `redirect`
   * resolved for this request is answered at once, with no promise (see `#hitNow`).
   */
  get(
    address: ObjectAddress,
    rangeHeader: string | undefined,
    routing?: ReadRouting,
  ): ObjectRead | Promise<ObjectRead> {
    const bucket = this.#takeResolved(address);
    const target = bucket === undefined ? undefined : { bucket, name: address.name };
    if (target === undefined || !plainRead(routing))
      return this.#read(address, target, rangeHeader, routing, 'ask');
    let hit: ObjectRead | undefined;
    try {
      // The read `objects.get` answers first (ObjectService.getCached), taken here at once.
      hit = this.objects.getCached(target, rangeResolverOf(rangeHeader));
    } catch (error) {
      return rejection(error);
    }
    if (hit !== undefined && hit.object.customMetadata[encryptionMetadataKey] === undefined) {
      const object = plaintextView(hit.object);
      return object === hit.object ? hit : { object, body: hit.body, range: hit.range };
    }
    return this.#read(address, target, rangeHeader, routing, hit);
  }

  /**
   * `get` through the decryption and the object service's reads. `hit`: the content hit `get` took
   * (an encrypted one), undefined when it found none, 'ask' when it did not ask.
   */
  async #read(
    address: ObjectAddress,
    resolved: ObjectTarget | undefined,
    rangeHeader: string | undefined,
    routing: ReadRouting | undefined,
    hit: ObjectRead | undefined | 'ask',
  ): Promise<ObjectRead> {
    const target = resolved ?? this.#target(address);
    checkOriginal(target, routing);
    const blob = routing?.blob;
    if (blob !== undefined) requireRemoteBucket(address.bucket, 'GET with Ais-Blob-Download');
    // A content hit is the read `objects.get` answers first (ObjectService.getCached).
    let first =
      hit !== 'ask'
        ? hit
        : blob === undefined && routing?.substituteFor === undefined
          ? this.objects.getCached(target, rangeResolverOf(rangeHeader))
          : undefined;
    if (
      hit === 'ask' &&
      first !== undefined &&
      first.object.customMetadata[encryptionMetadataKey] === undefined
    )
      return { ...first, object: plaintextView(first.object) };
    const read = await this.encryption.read(
      (header) => {
        const taken = first;
        first = undefined;
        return taken !== undefined
          ? Promise.resolve(taken)
          : this.objects.get(
              target,
              header,
              blob === undefined
                ? routing
                : { ...routing, coldSource: this.blobs.getSource(target, blob) },
            );
      },
      rangeHeader,
      undefined,
      (object) => storedSegments(this.store, address.bucket, object),
    );
    return { ...read, object: plaintextView(read.object, read.encryption) };
  }

  getFromArchive(address: ObjectAddress, request: ArchiveReadRequest): Promise<ArchiveRead> {
    return readFromShard(this.objects, this.shardIndexes, this.#target(address), request);
  }

  putIntoArchive(address: ObjectAddress, request: ArchiveWriteRequest): Promise<void> {
    const target = { bucket: this.objects.resolve(address.bucket), name: address.name };
    const nowMs = this.runtime.clock.nowMs();
    return writeIntoShard(this.objects, this.shardIndexes, target, request, nowMs);
  }

  async put(address: ObjectAddress, body: Readable, options: PutOptions): Promise<ObjectInfo> {
    const bucket = this.objects.resolve(address.bucket);
    // Stored as sent, it would break the bucket's promise that what is written is encrypted.
    if (bucket.props.sse?.algorithm === 'AES256')
      throw notImplemented(
        'native PUT into a bucket with default encryption (write it through S3)',
      );
    return await this.objects.put(bucket, nativePutRequest(bucket, address.name, body, options));
  }

  /**
   * Deletes the local replica (in a bucket that keeps history, a delete marker hides the object, as
   * an S3 DELETE does), then copies elsewhere: EC pieces, and a previous owner's copy during a
   * rebalance. Not found only when there was nothing anywhere.
   */
  async delete(address: ObjectAddress): Promise<void> {
    await this.objects.delete(this.#target(address));
  }

  #target(address: ObjectAddress): ObjectTarget {
    return { bucket: this.objects.resolve(address.bucket), name: address.name };
  }

  /** As `#target`, with the bucket `redirect` resolved for this request when it did (#resolved). */
  #resolvedTarget(address: ObjectAddress): ObjectTarget {
    const bucket = this.#takeResolved(address);
    return bucket === undefined ? this.#target(address) : { bucket, name: address.name };
  }

  /** The bucket `redirect` resolved for this request's `address` (#resolved), taken once. */
  #takeResolved(address: ObjectAddress): ResolvedBucket | undefined {
    const bucket = this.#resolved;
    if (this.#resolvedFor !== address || bucket === undefined) return undefined;
    this.#resolvedFor = undefined;
    this.#resolved = undefined;
    return bucket;
  }

  setCustomMetadata(
    address: ObjectAddress,
    metadata: Record<string, string>,
    replace: boolean,
  ): Promise<ObjectInfo> {
    refuseOnRemote(address.bucket, 'setting custom metadata');
    const reserved = reservedKeyIn(metadata);
    if (reserved !== undefined) throw badRequest(`${reserved} is reserved (Cairn keeps it itself)`);
    return this.objects.setCustomMetadata(this.#target(address), metadata, replace);
  }

  async copy(
    source: ObjectAddress,
    destination: ObjectAddress,
    options: CopyOptions,
  ): Promise<void> {
    refuseOnRemote(destination.bucket, 'copying objects');
    await copyObject(this.runtime, this.objects, this.#target(source), destination, options);
  }

  append(address: ObjectAddress, request: AppendRequest): Promise<string> {
    refuseOnRemote(address.bucket, 'APPEND');
    return this.appends.append(this.#target(address), request);
  }

  flush(
    address: ObjectAddress,
    handle: string,
    checksum: { type: string; value: string } | undefined,
  ): Promise<void> {
    return this.appends.flush(this.#target(address), handle, checksum);
  }

  createUpload(address: ObjectAddress): Promise<string> {
    refuseOnRemote(address.bucket, 'multipart uploads');
    return this.#multipart.create(this.#target(address));
  }

  uploadPart(address: ObjectAddress, request: PartRequest): Promise<void> {
    return this.#multipart.uploadPart(this.#target(address), request);
  }

  completeUpload(address: ObjectAddress, uploadId: string, partNumbers: number[]): Promise<void> {
    return this.#multipart.complete(this.#target(address), uploadId, partNumbers);
  }

  evict(address: ObjectAddress): Promise<void> {
    return this.objects.evict(this.#target(address));
  }

  abortUpload(address: ObjectAddress, uploadId: string): Promise<void> {
    return this.#multipart.abort(this.#target(address), uploadId);
  }

  blobDownload(address: ObjectAddress, value: unknown): Promise<string> {
    return this.blobs.start(address, value);
  }

  /** Checked as a gateway checks it; only a gateway coordinates the targets' share of it. */
  promote(bucket: BucketJson, args: PromoteArgsJson & { src: string }): Promise<string> {
    checkPromote(this.runtime, bucket, args);
    throw badRequest('promote: send it to a gateway (it has every target promote its share)');
  }
}

/** A read with nothing but a range to it: no blob download, no stand-in, no `original_url`. */
function plainRead(routing: ReadRouting | undefined): boolean {
  return (
    routing === undefined ||
    (routing.blob === undefined &&
      routing.substituteFor === undefined &&
      routing.originalUrl === undefined)
  );
}

/** A read naming the ht:// object's URL (`original_url`) must name its own (see http-object-url). */
function checkOriginal(target: ObjectTarget, routing: ReadRouting | undefined): void {
  const url = routing?.originalUrl;
  if (url === undefined) return;
  const origin = target.bucket.props.extra?.http?.original_url ?? '';
  checkOriginalUrl(target.bucket.bucket, origin, target.name, url);
}
