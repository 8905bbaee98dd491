// Single-object copy (`PUT ?object_to=`) on the source's owner: the source is read once through the
// object service (verified, recovered if need be) and written by the destination's owner through
// its object service, so the copy is protected (mirror, EC) and placed like any PUT. Another target
// receives the bytes on its intra-cluster port (`PUT /v1/copy/<bucket>/<name>`), with the source's
// checksum (verified on receipt), custom metadata and S3 attributes as transfer headers.
import { Readable } from 'node:stream';
import { acceptBody } from '../../../api/common/index.js';
import {
  bucketFromRequest,
  type CopyOptions,
  type InternalRoute,
  type ObjectAddress,
} from '../../../api/native/index.js';
import { StoreError, badRequest } from '../../../errors/index.js';
import {
  parseTransferHeaders,
  transferHeaders,
  type TransferredObject,
} from '../../../protect/rebalance/index.js';
import { ObjectBody, attributesOf, type PutObjectRequest } from '../../../storage/index.js';
import { validateObjectName } from '../../../storage/layout/index.js';
import { sendObjectStream } from '../../../transport/index.js';
import { destroyQuietly } from '../../../util/stream-teardown.js';
import { apiPath, bucketQuery, objectUname, Resource } from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { ObjectService } from './object-service.js';
import type { ObjectTarget, ResolvedBucket } from './object-types.js';

/** Longest copy transfer to another target (a deadline for the whole object). */
const copyTransferTimeoutMs = 30 * 60_000;

/** What one copy moved: its bytes, and the target it sent them to (undefined: stored here). */
export interface CopiedObject {
  size: number;
  sentTo: string | undefined;
}

/**
 * Copies `source` (owned here) to `destination`. The destination bucket must exist (404 naming it,
 * as AIStore says it). A copy onto itself changes nothing: an ais bucket has no remote version for
 * `latest-ver` or `synchronize` to bring in, so they leave it a no-op too.
 */
export async function copyObject(
  runtime: NodeRuntime,
  objects: ObjectService,
  source: ObjectTarget,
  destination: ObjectAddress,
  _options: CopyOptions,
): Promise<CopiedObject> {
  validateObjectName(destination.name);
  const into = objects.resolve(destination.bucket);
  const uname = objectUname(destination.bucket, destination.name);
  if (objectUname(source.bucket.bucket, source.name) === uname) {
    const { size } = await objects.head(source);
    return { size, sentTo: undefined };
  }
  const read = await objects.get(source, undefined);
  const owner = runtime.store.clusterMap?.ownerOf(uname);
  if (owner !== undefined && owner.id !== runtime.id) {
    // A body read whole goes as its chunks: the pooled buffer it lies in goes back to its pool once
    // the socket took the bytes, where a stream leaves 1 MiB of garbage per copy to the collector
    // (and the next read allocates, and faults in, a new buffer).
    const body =
      read.body instanceof ObjectBody && read.body.inMemory
        ? read.body.chunks(flushedAboveBytes)
        : read.body.toStream();
    const path = apiPath(Resource.copy, destination.bucket.name, destination.name);
    const query = bucketQuery(destination.bucket).toString();
    try {
      await sendObjectStream(runtime.client, `${owner.dataUrl}${path}?${query}`, {
        headers: transferHeaders(read.object),
        body,
        timeoutMs: copyTransferTimeoutMs,
      });
    } finally {
      if (body instanceof Readable) destroyQuietly(body);
    }
    return { size: read.object.size, sentTo: owner.id };
  }
  const body = read.body.toStream();
  try {
    const copied = { ...read.object, attributes: attributesOf(read.object) };
    const request = copyRequest(into, destination.name, copied, body);
    // The store's read checks the bytes against the source's checksum (a mismatch fails the
    // body, and so this write): the write stores that checksum instead of hashing them again.
    // (A body rebuilt from EC pieces, or a chunked one, is not such a read.)
    if (read.body instanceof ObjectBody && read.object.checksum.type !== 'none')
      request.verifiedSource = { checksum: read.object.checksum, inMemory: read.body.inMemory };
    await objects.put(into, request);
    return { size: read.object.size, sentTo: undefined };
  } finally {
    destroyQuietly(body);
  }
}

/**
 * An in-memory body's chunks above a socket's write high-water mark (16 KiB) are flushed before
 * the next is asked for, so their buffer may be reused then (GetBatch's senders do the same).
 */
const flushedAboveBytes = 64 * 1024;

/** `/v1/copy/<bucket>/<name>` (intra-cluster): stores a copy another target sends. */
export function copyRoute(objects: ObjectService): InternalRoute {
  return async (context, segments) => {
    const [bucketName = '', ...nameParts] = segments;
    if (context.method !== 'PUT')
      throw new StoreError(
        'MethodNotAllowed',
        `${context.method} is not allowed on ${context.path}`,
      );
    if (bucketName === '' || nameParts.length === 0)
      throw badRequest(`expected /v1/${Resource.copy}/<bucket>/<object>`);
    const name = nameParts.join('/');
    validateObjectName(name);
    const into = objects.resolve(bucketFromRequest(context, bucketName));
    const object = parseTransferHeaders(context.req.headers);
    acceptBody(context);
    // The sender holds a copy of up to 1 MiB whole (read whole to verify it): received whole too,
    // it is written, given its record and renamed in one disk job instead of a work file's open,
    // a write per socket chunk and a commit (a bigger one streams to its work file).
    const request = { ...copyRequest(into, name, object, context.req), receiveWhole: true };
    await objects.put(into, request);
    context.res.end();
  };
}

/**
 * A PUT of the copied bytes: a new version of the destination (its bucket's checksum type and
 * versioning), checked against the source's checksum, with the source's custom metadata and S3
 * attributes (content headers, tags, ETag and checksums: they describe the same bytes).
 */
function copyRequest(
  into: ResolvedBucket,
  name: string,
  source: Pick<TransferredObject, 'size' | 'checksum' | 'customMetadata' | 'attributes'>,
  body: Readable,
): PutObjectRequest {
  const { etag, contentHeaders, tags, extraChecksums } = source.attributes;
  return {
    bucket: into.bucket,
    name,
    body,
    contentLength: source.size,
    checksumType: into.props.checksum.type,
    ...(source.checksum.type === 'none' ? {} : { expectedChecksum: source.checksum }),
    customMetadata: source.customMetadata,
    ...(contentHeaders === undefined ? {} : { contentHeaders }),
    ...(tags === undefined ? {} : { tags }),
    versioning: into.props.versioning.enabled,
    history: into.history,
    finish: () => ({
      ...(etag === undefined ? {} : { etag }),
      ...(extraChecksums === undefined ? {} : { extraChecksums }),
    }),
  };
}
