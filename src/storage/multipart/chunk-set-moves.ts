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
import { decodeChunkManifest } from './chunk-manifest.js';
import { writeManifest } from './chunk-sets.js';
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
  const from = chunkDirectory(source.path, bucket, id);
  const to = chunkDirectory(home.path, bucket, id);
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
  await writeManifest(disk, home, bucket, id, manifest);
  // The manifest first: a reader never finds a manifest whose chunks are gone.
  await disk.rm(manifestPath, { force: true });
  await disk.rm(from, { recursive: true, force: true });
  return true;
}
