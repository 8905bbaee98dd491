// Resilver of chunk sets: a set (manifest and chunks) on a mountpath that is leaving (detached or
// disabled) is copied to its object's home mountpath, records and all, then removed where it was.
// Each move holds the upload's write lock, so no part lands in a set while it moves; readers find
// the set on either mountpath meanwhile (the copy's manifest is written last).
import type { BucketJson } from '../../wire/index.js';
import { isMissing, makeDirectories, syncFile } from '../io/index.js';
import {
  chunkDirectory,
  chunkManifestDirectory,
  chunkManifestPath,
  childPath,
  isChunkSetId,
} from '../layout/index.js';
import { readObjectMetadata, writeObjectMetadata } from '../meta/index.js';
import { isReadable, type Mountpath } from '../mountpath/index.js';
import { homeMountpath, unameOf, type StoreContext } from '../store-context.js';
import { decodeChunkManifest, type ChunkManifest } from './chunk-manifest.js';
import { findManifest, writeManifest } from './chunk-sets.js';
import { uploadLock } from './multipart-uploads.js';

/** Moves every chunk set of `bucket` off leaving mountpaths; returns how many moved. */
export async function relocateChunkSets(
  context: StoreContext,
  bucket: BucketJson,
  signal: AbortSignal,
): Promise<number> {
  let moved = 0;
  const leaving = context.mountpaths.filter((item) => !item.enabled && isReadable(item));
  for (const mountpath of leaving) {
    const ids = await context.disk
      .readdir(chunkManifestDirectory(mountpath.path, bucket))
      .catch((error: unknown) => {
        if (isMissing(error)) return [];
        throw error;
      });
    for (const id of ids.filter(isChunkSetId)) {
      if (signal.aborted) return moved;
      const done = await context.locks.withWriteLock(uploadLock(id), () =>
        moveChunkSet(context, bucket, id, mountpath),
      );
      if (done) moved += 1;
    }
  }
  return moved;
}

async function moveChunkSet(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
  source: Mountpath,
): Promise<boolean> {
  const { disk } = context;
  const manifestPath = chunkManifestPath(source.path, bucket, id);
  let bytes: Buffer;
  try {
    bytes = await disk.readFile(manifestPath);
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  const manifest = decodeChunkManifest(bytes, manifestPath);
  const home = homeMountpath(context, unameOf(bucket, manifest.name));
  await copyChunkSet(context, bucket, id, manifest, source, home);
  // The manifest first: a reader never finds a manifest whose chunks are gone.
  await disk.rm(manifestPath, { force: true });
  await disk.rm(chunkDirectory(source.path, bucket, id), { recursive: true, force: true });
  return true;
}

/**
 * Makes chunk set `id` (complete) exist on `mountpath` too, so that a mirror copy naming it there
 * survives the loss of the mountpath holding the original set. Nothing to do when it is there.
 */
export async function mirrorChunkSet(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
  mountpath: Mountpath,
): Promise<void> {
  const located = await findManifest(context, bucket, id, mountpath);
  if (located === undefined || located.mountpath === mountpath) return;
  await copyChunkSet(context, bucket, id, located.manifest, located.mountpath, mountpath);
}

/**
 * Drops the copy of chunk set `id` on `mountpath` (a corrupt one, about to be replaced from an
 * intact copy on another mountpath by `mirrorChunkSet`): the manifest first, as a move does.
 */
export async function dropChunkSetCopy(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
  mountpath: Mountpath,
): Promise<void> {
  await context.locks.withWriteLock(uploadLock(id), async () => {
    await context.disk.rm(chunkManifestPath(mountpath.path, bucket, id), { force: true });
    await context.disk.rm(chunkDirectory(mountpath.path, bucket, id), {
      recursive: true,
      force: true,
    });
  });
}

/**
 * Copies chunk set `id` (chunks with their records, then the manifest naming them) from one
 * mountpath to another: a resilver's move, and a mirror copy of a chunked object.
 */
export async function copyChunkSet(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
  manifest: ChunkManifest,
  source: Mountpath,
  destination: Mountpath,
): Promise<void> {
  const { disk } = context;
  const from = chunkDirectory(source.path, bucket, id);
  const to = chunkDirectory(destination.path, bucket, id);
  const created = await makeDirectories(disk, to);
  const chunks = await disk.readdir(from).catch((error: unknown) => {
    if (isMissing(error)) return [];
    throw error;
  });
  for (const chunk of chunks) {
    const target = childPath(to, chunk);
    await disk.copyFile(childPath(from, chunk), target);
    const record = await readObjectMetadata(disk, childPath(from, chunk), target);
    await writeObjectMetadata(disk, target, record);
    if (context.options.fsyncObjects) await syncFile(disk, target);
  }
  // The chunks last before the manifest that names them is written (atomically, synced).
  if (context.options.fsyncObjects) {
    for (const directory of new Set([...created, to])) await context.syncs.sync(directory);
  }
  await writeManifest(disk, destination, bucket, id, manifest);
}
