// Moving one object between targets: the sender streams its verified replica to the new owner,
// which verifies the checksum on receipt and commits it atomically (version, custom metadata and
// modification time kept); only after that acknowledgement does the sender drop its copy, and only
// if the copy is still the version it sent.
import type { Readable } from 'node:stream';
import type { ClusterNode } from '../../cluster/index.js';
import { isStoreError } from '../../errors/index.js';
import type { LocalStore, StoredObject } from '../../storage/index.js';
import { sendObjectStream, type IntraClient } from '../../transport/index.js';
import { apiPath, bucketQuery, Resource, type BucketJson } from '../../wire/index.js';
import { TransferHeader, transferHeaders, type TransferredObject } from './transfer-headers.js';

/** `objects` under `/v1/rebalance/`: where objects are sent and fetched. */
export const objectsSegment = 'objects';

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
  return `${node.intraUrl}${path}?${bucketQuery(bucket).toString()}`;
}

/** Sends the local replica of `bucket/name` to `owner`; drops it once the owner committed it. */
export async function sendObject(
  context: TransferContext,
  owner: ClusterNode,
  bucket: BucketJson,
  name: string,
  jobId: string,
): Promise<{ outcome: SendOutcome; sizeBytes: number }> {
  const { store } = context;
  let read;
  try {
    read = await store.getObject(bucket, name);
  } catch (error) {
    // Deleted meanwhile, or corrupt (then quarantined by the read): nothing to send.
    if (
      isStoreError(error) &&
      (error.code === 'ObjectNotFound' || error.code === 'ObjectCorrupted')
    )
      return { outcome: 'gone', sizeBytes: 0 };
    throw error;
  }
  const { object, body } = read;
  await sendObjectStream(context.client, transferUrl(owner, bucket, name), {
    headers: { ...transferHeaders(object), [TransferHeader.rebalanceId]: jobId },
    body: body.toStream(),
    timeoutMs: context.timeoutMs,
  });
  const removed = await store.removeIfUnchanged(bucket, name, {
    modifiedTimeMs: object.modifiedTimeMs,
    checksumValue: object.checksum.value,
  });
  return { outcome: removed ? 'moved' : 'kept', sizeBytes: object.size };
}

/**
 * Commits a received object (checksum verified while it streams in). A local replica at least as
 * new is kept instead: a client's PUT to the new owner wins over the copy the old owner sends.
 */
export function commitTransferred(
  store: LocalStore,
  bucket: BucketJson,
  name: string,
  object: TransferredObject,
  body: Readable,
): Promise<StoredObject> {
  return store.putObject({
    bucket,
    name,
    body,
    contentLength: object.size,
    checksumType: object.checksum.type,
    ...(object.checksum.type === 'none' ? {} : { expectedChecksum: object.checksum }),
    customMetadata: object.customMetadata,
    versioning: false,
    migration: {
      ...(object.version === undefined ? {} : { version: object.version }),
      modifiedTimeMs: object.modifiedTimeMs,
    },
  });
}
