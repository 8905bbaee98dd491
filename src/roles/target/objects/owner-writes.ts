// Writes, deletes and existence checks addressed to an object's owner, from a target that may not own it
// (promote of files only this target sees): here through the object service, else the owner's own
// PUT or HEAD over the intra-cluster port, sent as its own request (it serves, not redirects).
import type { Readable } from 'node:stream';
import { readSmallBody } from '../../../api/common/body.js';
import type { ClusterNode } from '../../../cluster/index.js';
import { StoreError, isStoreError } from '../../../errors/index.js';
import { peerError, sendObjectStream } from '../../../transport/index.js';
import {
  apiPath,
  bucketQuery,
  Header,
  objectUname,
  Query,
  Resource,
  type BucketJson,
} from '../../../wire/index.js';
import type { DownloadedObjectOptions } from '../../../jobs/index.js';
import type { PutObjectRequest } from '../../../storage/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { ObjectService } from './object-service.js';
import { nativePutRequest } from './object-types.js';

/**
 * Stores a stream of unknown length as the object on this target, as a client's PUT does; the
 * caller chose this target (dSort builds each output shard on its owner).
 */
export async function putStreamedObject(
  objects: ObjectService,
  bucket: BucketJson,
  name: string,
  body: Readable,
): Promise<{ size: number }> {
  const resolved = objects.resolve(bucket);
  const options = { contentLength: undefined, checksum: undefined };
  const stored = await objects.put(resolved, nativePutRequest(resolved, name, body, options));
  return { size: stored.size };
}

/**
 * Stores a downloaded body as the object on this target, as a client's PUT does, with the custom
 * metadata of its origin; `size` and `md5` (hex), when known, are checked as it is written.
 */
export async function putDownloadedObject(
  objects: ObjectService,
  bucket: BucketJson,
  name: string,
  body: Readable,
  options: DownloadedObjectOptions,
): Promise<{ size: number }> {
  const resolved = objects.resolve(bucket);
  const checksum = options.md5 === undefined ? undefined : { type: 'md5', value: options.md5 };
  const request = nativePutRequest(resolved, name, body, { contentLength: options.size, checksum });
  const stored = await objects.put(resolved, {
    ...request,
    customMetadata: options.customMetadata,
  });
  return { size: stored.size };
}

/** Longest transfer of one object to its owner. */
const ownerTransferTimeoutMs = 30 * 60_000;
const maxErrorBytes = 64 * 1024;

/**
 * The URL of an object request to another target that it serves as its own (not redirected): as
 * if this node had redirected it there with its cluster map's version.
 */
export function peerObjectUrl(
  runtime: NodeRuntime,
  peerUrl: string,
  bucket: BucketJson,
  name: string,
  query = bucketQuery(bucket),
): string {
  query.set(Query.redirectProxyId, runtime.id);
  query.set(Query.redirectMapVersion, String(runtime.store.clusterMap?.version ?? 0));
  return `${peerUrl}${apiPath(Resource.objects, bucket.name, name)}?${query.toString()}`;
}

/** The object's owner when that is another target (none: this one, or no cluster map yet). */
export function otherOwner(
  runtime: NodeRuntime,
  bucket: BucketJson,
  name: string,
): ClusterNode | undefined {
  const owner = runtime.store.clusterMap?.ownerOf(objectUname(bucket, name));
  return owner === undefined || owner.id === runtime.id ? undefined : owner;
}

function ownerUrl(runtime: NodeRuntime, bucket: BucketJson, name: string): string | undefined {
  const owner = otherOwner(runtime, bucket, name);
  return owner === undefined ? undefined : peerObjectUrl(runtime, owner.dataUrl, bucket, name);
}

/**
 * Stores the object on its owner; the owner's ID when that is another target. Without a `size`
 * the body is sent chunked and its end is the object's end.
 */
export async function storeAtOwner(
  runtime: NodeRuntime,
  objects: ObjectService,
  bucket: BucketJson,
  name: string,
  body: Readable,
  size: number | undefined,
): Promise<string | undefined> {
  const url = ownerUrl(runtime, bucket, name);
  if (url === undefined) {
    const resolved = objects.resolve(bucket);
    const options = { contentLength: size, checksum: undefined };
    await objects.put(resolved, nativePutRequest(resolved, name, body, options));
    return undefined;
  }
  await sendObjectStream(runtime.client, url, {
    headers: size === undefined ? {} : { [Header.contentLength]: String(size) },
    body,
    timeoutMs: ownerTransferTimeoutMs,
  });
  return runtime.store.clusterMap?.ownerOf(objectUname(bucket, name))?.id;
}

/** What `storeNewAtOwner` did: nothing, since the object exists, or stored it (see `storeAtOwner`). */
export type NewObjectOutcome = { exists: true } | { exists: false; sentTo: string | undefined };

/**
 * As `storeAtOwner`, unless the object exists. Here that is checked by the PUT itself, under the
 * object's write lock (one lookup, where asking first and then writing took two, and no window
 * between them); another owner is asked first (a HEAD).
 */
export async function storeNewAtOwner(
  runtime: NodeRuntime,
  objects: ObjectService,
  bucket: BucketJson,
  name: string,
  body: Readable,
  size: number | undefined,
): Promise<NewObjectOutcome> {
  if (otherOwner(runtime, bucket, name) !== undefined) {
    if (await existsAtOwner(runtime, objects, bucket, name)) return { exists: true };
    return {
      exists: false,
      sentTo: await storeAtOwner(runtime, objects, bucket, name, body, size),
    };
  }
  const resolved = objects.resolve(bucket);
  let exists = false;
  const request: PutObjectRequest = {
    ...nativePutRequest(resolved, name, body, { contentLength: size, checksum: undefined }),
    precondition: (current) => {
      if (current === undefined) return;
      exists = true;
      throw new StoreError('PreconditionFailed', `${bucket.name}/${name} exists`);
    },
  };
  try {
    await objects.put(resolved, request);
  } catch (error) {
    if (exists) return { exists: true };
    throw error;
  }
  return { exists: false, sentTo: undefined };
}

/** Whether the object exists, asked of its owner. */
export async function existsAtOwner(
  runtime: NodeRuntime,
  objects: ObjectService,
  bucket: BucketJson,
  name: string,
): Promise<boolean> {
  const url = ownerUrl(runtime, bucket, name);
  if (url === undefined) {
    try {
      await objects.head({ bucket: objects.resolve(bucket), name });
      return true;
    } catch (error) {
      if (isStoreError(error) && error.code === 'ObjectNotFound') return false;
      throw error;
    }
  }
  const { status, text } = await askOwner(runtime, url, 'HEAD');
  if (status === 404) return false;
  if (status >= 300) throw peerError('HEAD', url, status, text);
  return true;
}

/** Deletes the object as a client's DELETE does, at its owner (ObjectNotFound when absent). */
export async function deleteAtOwner(
  runtime: NodeRuntime,
  objects: ObjectService,
  bucket: BucketJson,
  name: string,
): Promise<void> {
  const url = ownerUrl(runtime, bucket, name);
  if (url === undefined) {
    await objects.delete({ bucket: objects.resolve(bucket), name });
    return;
  }
  const { status, text } = await askOwner(runtime, url, 'DELETE');
  if (status === 404) throw new StoreError('ObjectNotFound', `${bucket.name}/${name}: ${text}`);
  if (status >= 300) throw peerError('DELETE', url, status, text);
}

/** A body-less request to the owner: its status and (short) answer. */
async function askOwner(
  runtime: NodeRuntime,
  url: string,
  method: 'HEAD' | 'DELETE',
): Promise<{ status: number; text: string }> {
  const response = await runtime.client.stream(url, {
    method,
    headers: {},
    timeoutMs: runtime.store.config.values.timeouts.control_ms,
  });
  const text = await readSmallBody(response.body, maxErrorBytes, 'peer answer');
  return { status: response.statusCode, text: text.toString('utf8') };
}
