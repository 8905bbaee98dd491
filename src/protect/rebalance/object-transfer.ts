// Moving one object between targets: the sender streams its verified replica to the new owner,
// which verifies the checksum on receipt and commits it atomically (version, custom metadata and
// modification time kept); only after that acknowledgement does the sender drop its copy, and only
// if the copy is still the version it sent.
import type { Readable } from 'node:stream';
import type { ClusterNode } from '../../cluster/index.js';
import { isStoreError } from '../../errors/index.js';
import type {
  KeptHistory,
  LocalStore,
  ReplicaIdentity,
  StoredObject,
} from '../../storage/index.js';
import { sendObjectStream, type IntraClient } from '../../transport/index.js';
import {
  apiPath,
  bucketQuery,
  Resource,
  type BucketJson,
  type ChecksumTypeName,
} from '../../wire/index.js';

/** S3's ID of a version written without one. */
const nullVersionId = 'null';
import { TransferHeader, transferHeaders, type TransferredObject } from './transfer-headers.js';

/** `objects` under `/v1/rebalance/`: where objects are sent and fetched. */
export const objectsSegment = 'objects';

/** Query parameter of a transfer DELETE that removes one version of the object. */
export const versionIdQuery = 'versionId';

/** What became of a send: moved, nothing to send any more, or kept (it changed meanwhile). */
export type SendOutcome = 'moved' | 'gone' | 'kept';

export interface TransferContext {
  readonly store: LocalStore;
  readonly client: IntraClient;
  readonly timeoutMs: number;
}

/** The intra-cluster URL of an object on `node` for transfers. */
export function transferUrl(node: ClusterNode, bucket: BucketJson, name: string): string {
  const path = apiPath(Resource.rebalance, objectsSegment, bucket.name, name);
  return `${node.dataUrl}${path}?${bucketQuery(bucket).toString()}`;
}

/**
 * Sends the local replica of `bucket/name` to `owner`; drops it once the owner committed it. With
 * `history` (a bucket that keeps versions) every kept version and delete marker goes first, oldest
 * first, then the current object; all of them are dropped once all arrived, if none changed.
 */
export async function sendObject(
  context: TransferContext,
  owner: ClusterNode,
  bucket: BucketJson,
  name: string,
  jobId: string,
  history = false,
): Promise<{ outcome: SendOutcome; sizeBytes: number }> {
  if (history) return await sendHistory(context, owner, bucket, name, jobId);
  const object = await sendVersion(context, owner, bucket, name, jobId, undefined);
  if (object === undefined) return { outcome: 'gone', sizeBytes: 0 };
  const removed = await context.store.removeIfUnchanged(bucket, name, identityOf(object));
  return { outcome: removed ? 'moved' : 'kept', sizeBytes: object.size };
}

async function sendHistory(
  context: TransferContext,
  owner: ClusterNode,
  bucket: BucketJson,
  name: string,
  jobId: string,
): Promise<{ outcome: SendOutcome; sizeBytes: number }> {
  const kept = await context.store.keptVersions(bucket, name);
  let sizeBytes = 0;
  for (const version of kept) {
    const versionId = version.versionId ?? nullVersionId;
    const sent = await sendVersion(context, owner, bucket, name, jobId, versionId);
    // Gone or corrupt (then quarantined) since it was listed: the next pass sends what is left.
    if (sent === undefined) return { outcome: 'kept', sizeBytes };
    sizeBytes += sent.size;
  }
  const current = await sendVersion(context, owner, bucket, name, jobId, undefined);
  if (current === undefined && kept.length === 0) return { outcome: 'gone', sizeBytes: 0 };
  sizeBytes += current?.size ?? 0;
  const removed = await context.store.removeHistoryIfUnchanged(bucket, name, {
    current:
      current === undefined
        ? undefined
        : { ...identityOf(current), versionId: current.versionId ?? nullVersionId },
    keptVersionIds: kept.map((version) => version.versionId ?? nullVersionId),
  });
  return { outcome: removed ? 'moved' : 'kept', sizeBytes };
}

/** Streams one version (the current object without `versionId`); undefined when there is none. */
async function sendVersion(
  context: TransferContext,
  owner: ClusterNode,
  bucket: BucketJson,
  name: string,
  jobId: string,
  versionId: string | undefined,
): Promise<StoredObject | undefined> {
  let read;
  try {
    read = await context.store.getObject(bucket, name, undefined, { versionId });
  } catch (error) {
    // Deleted meanwhile, or corrupt (then quarantined by the read): nothing to send.
    if (
      isStoreError(error) &&
      (error.code === 'ObjectNotFound' ||
        error.code === 'ObjectCorrupted' ||
        error.code === 'NoSuchVersion')
    )
      return undefined;
    throw error;
  }
  const { object, body } = read;
  await sendObjectStream(context.client, transferUrl(owner, bucket, name), {
    headers: { ...transferHeaders(object), [TransferHeader.rebalanceId]: jobId },
    body: body.toStream(),
    timeoutMs: context.timeoutMs,
  });
  return object;
}

function identityOf(object: StoredObject): ReplicaIdentity {
  return { modifiedTimeMs: object.modifiedTimeMs, checksumValue: object.checksum.value };
}

/** How the receiving bucket stores objects: its checksum type and whether it keeps history. */
export interface ReceivingBucket {
  checksumType: ChecksumTypeName;
  history: KeptHistory | undefined;
}

/**
 * Commits a received object (checksum verified while it streams in) with the sender's record. A
 * local replica at least as new is kept instead: a client's PUT to the new owner wins over the copy
 * the old owner sends. In a bucket that keeps history the version takes its place among the
 * versions here by its stamp (one with the same ID is kept as it is). A chunked object arrives as
 * its bytes (no checksum of its own) and is committed as a plain object with the bucket's checksum
 * computed on receipt and its multipart ETag kept.
 */
export function commitTransferred(
  store: LocalStore,
  bucket: BucketJson,
  name: string,
  object: TransferredObject,
  body: Readable,
  receiving: ReceivingBucket,
): Promise<StoredObject> {
  const unchecked = object.checksum.type === 'none';
  return store.putObject({
    bucket,
    name,
    body,
    contentLength: object.size,
    checksumType: unchecked ? receiving.checksumType : object.checksum.type,
    ...(unchecked ? {} : { expectedChecksum: object.checksum }),
    customMetadata: object.customMetadata,
    versioning: false,
    attributes: object.attributes,
    history: receiving.history,
    migration: {
      ...(object.version === undefined ? {} : { version: object.version }),
      modifiedTimeMs: object.modifiedTimeMs,
    },
  });
}
