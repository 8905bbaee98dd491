// Resilvering: walks every readable mountpath and moves each object, kept version (`%vr`) and chunk
// set that is not on its HRW home mountpath (after an attach, enable, detach or disable) to the
// home. A move is a verified copy through the PUT transaction with the whole record kept (version,
// S3 attributes, version ID and stamp, custom metadata, modification time; a chunked object stays
// an empty file naming its set), then the source is unlinked if it is still the file that was
// copied. Reads find either copy meanwhile.
import { basename } from 'node:path';
import { isStoreError } from '../errors/index.js';
import type { BucketJson } from '../wire/index.js';
import { isMissing, mapBounded, openFlags } from './io/index.js';
import { contentDirectory, isHashedEntryName, type StoredContentType } from './layout/index.js';
import { readFileMetadata, type ObjectMetadata } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import { relocateChunkSets } from './multipart/chunk-set-moves.js';
import { keptCandidates } from './versions/list-versions.js';
import { attributesOf } from './versions/version-import.js';
import { listMountpath, type Candidate } from './list-objects.js';
import { putObject } from './put/put-object.js';
import { unlinkMovedReplica } from './remove-replicas.js';
import {
  describeObject,
  homeMountpath,
  lockKeyOf,
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

/** What a move needs of a walked file (kept versions come from another walk). */
type MoveCandidate = Pick<Candidate, 'name' | 'path' | 'mountpath'>;

/** Candidates read from a walk before they are moved, so a slow move does not hold a directory. */
const batchSize = 256;

/** One pass over `buckets`; returns how many objects, versions and chunk sets moved. */
export async function relocateMisplaced(
  context: () => StoreContext,
  buckets: readonly BucketJson[],
  options: RelocateOptions,
): Promise<number> {
  let moved = 0;
  for (const bucket of buckets) {
    for (const mountpath of readableMountpaths(context())) {
      for (const type of ['ob', 'ec', 'mt'] as const) {
        const bounds = { prefix: '', startAfter: '' };
        const files = listMountpath(context().disk, mountpath, bucket, bounds, type);
        moved += await moveBatches(context, bucket, mountpath, files, options, type);
      }
      const kept = keptFiles(context(), mountpath, bucket);
      moved += await moveBatches(context, bucket, mountpath, kept, options, 'vr');
    }
    if (options.signal.aborted) return moved;
    moved += await relocateChunkSets(context(), bucket, options.signal);
  }
  return moved;
}

/** Moves the files of one walk that are not on their home, a batch at a time. */
async function moveBatches(
  context: () => StoreContext,
  bucket: BucketJson,
  mountpath: Mountpath,
  walk: AsyncIterable<MoveCandidate>,
  options: RelocateOptions,
  tree: StoredContentType | 'vr',
): Promise<number> {
  let moved = 0;
  let batch: MoveCandidate[] = [];
  const flush = async (): Promise<void> => {
    const results = await mapBounded(batch, options.concurrency, (candidate) =>
      moveHome(context(), bucket, candidate, options, tree),
    );
    moved += results.filter(Boolean).length;
    batch = [];
  };
  for await (const candidate of walk) {
    if (options.signal.aborted) return moved;
    if (homeMountpath(context(), unameOf(bucket, candidate.name)).path === mountpath.path) continue;
    batch.push(candidate);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return moved;
}

/** The kept versions and delete markers under a mountpath's `%vr`, as move candidates. */
async function* keptFiles(
  context: StoreContext,
  mountpath: Mountpath,
  bucket: BucketJson,
): AsyncIterable<MoveCandidate> {
  const bounds = { prefix: '', startAfter: '' };
  for (const kept of await keptCandidates(context.disk, mountpath, bucket, bounds)) {
    yield { name: kept.name, path: kept.location.path, mountpath };
  }
}

/** Moves one object or kept version from `candidate.mountpath` to its home; true when it moved. */
async function moveHome(
  context: StoreContext,
  bucket: BucketJson,
  candidate: MoveCandidate,
  options: RelocateOptions,
  tree: StoredContentType | 'vr',
): Promise<boolean> {
  const { name, path, mountpath } = candidate;
  // Kept versions go through the objects' PUT (placed under `%vr` by their stamp).
  const type = tree === 'vr' ? 'ob' : tree;
  if (options.signal.aborted) return false;
  let handle;
  try {
    handle = await context.disk.open(path, openFlags.noFollow);
  } catch (error) {
    if (isMissing(error)) return false; // deleted or moved meanwhile
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    const metadata = await readFileMetadata(context.disk, handle, describeObject(bucket, name));
    const { checksum, chunks } = metadata;
    const attributes = attributesOf(metadata);
    await putObject(context, {
      bucket,
      name,
      body: handle.createReadStream({ autoClose: false }),
      contentLength: chunks === undefined ? metadata.size : 0,
      checksumType: checksum.type,
      ...(checksum.type === 'none' || chunks !== undefined ? {} : { expectedChecksum: checksum }),
      ...(chunks === undefined ? {} : { chunked: { chunks, sizeBytes: metadata.size } }),
      customMetadata: metadata.customMetadata,
      versioning: false,
      contentType: type,
      attributes,
      // Versions take their place among the name's versions by stamp; a kept file always does
      // (a `null` version written before history was on has neither ID nor stamp).
      history: tree === 'vr' || isVersioned(metadata) ? 'enabled' : undefined,
      migration: {
        ...(metadata.version === undefined ? {} : { version: metadata.version }),
        modifiedTimeMs: Number(stats.mtimeNs / 1_000_000n),
        ignoreMountpath: mountpath.path,
      },
    });
    const location = { path, hashed: isHashedEntryName(basename(path)) };
    const root = contentDirectory(mountpath.path, bucket, tree);
    await context.locks.withWriteLock(lockKeyOf(bucket, name, type), () =>
      unlinkMovedReplica(context, location, stats.ino, root),
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

function isVersioned(metadata: ObjectMetadata): boolean {
  return (
    metadata.versionId !== undefined ||
    metadata.versionStamp !== undefined ||
    metadata.deleteMarker === true
  );
}
