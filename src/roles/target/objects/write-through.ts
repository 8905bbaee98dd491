// Writes to a remote bucket go through to its backend: a PUT streams the body to the remote and
// into a local work file at once, and the local object is committed only after the remote
// accepted it (a failed remote write stores nothing here); a DELETE removes the remote object
// first. The remote's ETag, version and attributes are kept in the local record.
import { PassThrough } from 'node:stream';
import { isRemoteBucket, type Backend } from '../../../backends/index.js';
import type { StoreError } from '../../../errors/index.js';
import { notImplemented } from '../../../errors/index.js';
import { bucketDisplayName, type BucketJson } from '../../../wire/index.js';
import type { PutObjectRequest, WriteFinish } from '../../../storage/index.js';
import { destroyQuietly } from '../../../util/stream-teardown.js';
import { remoteMetadata } from './cold-reads.js';
import type { ResolvedBucket } from './object-types.js';

/**
 * The local write of `request` with its body also sent to the remote; the returned request's
 * `finish` (run once the body is in the work file, before anything is visible) waits for the
 * remote's answer and fails the write when the remote failed.
 */
export function writeThrough(
  bucket: ResolvedBucket,
  backend: Backend,
  request: PutObjectRequest,
): PutObjectRequest {
  const size = request.contentLength;
  // The backend's PUT needs the size first; a write learns it only at its end when it is a
  // browser form upload (POST Object) or a native PUT without Content-Length.
  if (size === undefined) throw unknownLengthRefused(backend);
  const toLocal = new PassThrough();
  const toRemote = new PassThrough();
  const source = request.body;
  source.once('error', (error) => {
    toLocal.destroy(error);
    toRemote.destroy(error);
  });
  // The local write failing (a short body, a bad checksum, a full disk) aborts the remote PUT.
  toLocal.once('error', (error) => destroyQuietly(toRemote, error));
  source.pipe(toLocal);
  source.pipe(toRemote);
  const remote = backend.put(request.name, toRemote, {
    size,
    ...(request.customMetadata === undefined ? {} : { customMetadata: request.customMetadata }),
  });
  remote.catch((error: unknown) => {
    // The remote refused or failed: the local write must not complete.
    destroyQuietly(toLocal, error instanceof Error ? error : new Error(String(error)));
  });
  const ownFinish = request.finish;
  return {
    ...request,
    body: toLocal,
    // The remote's version is the object's version.
    versioning: false,
    finish: async (): Promise<WriteFinish> => {
      const own = await ownFinish?.();
      const object = await remote;
      return {
        ...own,
        etag: own?.etag ?? object.etag,
        ...(object.version === undefined ? {} : { version: object.version }),
        customMetadata: remoteMetadata(bucket, object),
      };
    },
  };
}

/** 501, naming what is missing: not 411, the client gave what the protocol asks for. */
function unknownLengthRefused(backend: Pick<Backend, 'description'>): StoreError {
  return notImplemented(
    `a write of unknown length (a POST Object form upload, or a PUT without Content-Length) to remote bucket ${backend.description}`,
  );
}

/** Writes with no write-through yet (appends, multipart, copies into, metadata edits): 501. */
export function refuseOnRemote(bucket: BucketJson, operation: string): void {
  if (isRemoteBucket(bucket))
    throw notImplemented(`${operation} on remote buckets (${bucketDisplayName(bucket)})`);
}
