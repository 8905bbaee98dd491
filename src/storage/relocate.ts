// Resilvering: walks every readable mountpath and moves each object that is not on its HRW home
// mountpath (after an attach, enable, detach or disable) to the home. A move is a verified copy
// through the PUT transaction (version, custom metadata and modification time kept), then the
// source is unlinked if it is still the file that was copied. Reads find either copy meanwhile.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { isStoreError } from '../errors/index.js';
import type { BucketJson } from '../wire/index.js';
import { isMissing, mapBounded } from './io/index.js';
import { isHashedEntryName } from './layout/index.js';
import { descriptorPath, readObjectMetadata } from './meta/index.js';
import { listMountpath, type Candidate } from './list-objects.js';
import { putObject } from './put-object.js';
import { unlinkMovedReplica } from './remove-replicas.js';
import {
  describeObject,
  homeMountpath,
  readableMountpaths,
  unameOf,
  type StoreContext,
} from './store-context.js';

/** How a relocation pass reports and paces itself. */
export interface RelocateOptions {
  signal: AbortSignal;
  /** Objects moved at the same time. */
  concurrency: number;
  /** Called after each object that moved, with its size. */
  onMoved: (sizeBytes: number) => void;
  /** Called for an object that could not be moved (it stays where it is, still readable). */
  onFailed: (bucket: BucketJson, name: string, error: unknown) => void;
}

/** Candidates read from a walk before they are moved, so a slow move does not hold a directory. */
const batchSize = 256;

/** One pass over `buckets`; returns how many objects moved. */
export async function relocateMisplaced(
  context: () => StoreContext,
  buckets: readonly BucketJson[],
  options: RelocateOptions,
): Promise<number> {
  let moved = 0;
  for (const bucket of buckets) {
    for (const mountpath of readableMountpaths(context())) {
      const walk = listMountpath(mountpath, bucket, { prefix: '', startAfter: '' }, 'ob');
      let batch: Candidate[] = [];
      const flush = async (): Promise<void> => {
        const results = await mapBounded(batch, options.concurrency, (candidate) =>
          moveHome(context(), bucket, candidate, options),
        );
        moved += results.filter(Boolean).length;
        batch = [];
      };
      for await (const candidate of walk) {
        if (options.signal.aborted) return moved;
        if (homeMountpath(context(), unameOf(bucket, candidate.name)).path === mountpath.path)
          continue;
        batch.push(candidate);
        if (batch.length >= batchSize) await flush();
      }
      await flush();
    }
  }
  return moved;
}

/** Moves one object from `candidate.mountpath` to its home; true when it moved. */
async function moveHome(
  context: StoreContext,
  bucket: BucketJson,
  candidate: Candidate,
  options: RelocateOptions,
): Promise<boolean> {
  const { name, path, mountpath } = candidate;
  if (options.signal.aborted) return false;
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (isMissing(error)) return false; // deleted or moved meanwhile
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    const metadata = await readObjectMetadata(
      descriptorPath(handle.fd),
      describeObject(bucket, name),
    );
    const checksum = metadata.checksum;
    await putObject(context, {
      bucket,
      name,
      body: handle.createReadStream({ autoClose: false }),
      contentLength: metadata.size,
      checksumType: checksum.type,
      ...(checksum.type === 'none' ? {} : { expectedChecksum: checksum }),
      customMetadata: metadata.customMetadata,
      versioning: false,
      migration: {
        ...(metadata.version === undefined ? {} : { version: metadata.version }),
        modifiedTimeMs: Number(stats.mtimeNs / 1_000_000n),
        ignoreMountpath: mountpath.path,
      },
    });
    const location = { path, hashed: isHashedEntryName(basename(path)) };
    await context.locks.withWriteLock(unameOf(bucket, name), () =>
      unlinkMovedReplica(context, mountpath, bucket, location, stats.ino),
    );
    options.onMoved(metadata.size);
    return true;
  } catch (error) {
    if (isStoreError(error) || isMissing(error)) {
      options.onFailed(bucket, name, error);
      return false;
    }
    throw error;
  } finally {
    await handle.close();
  }
}
