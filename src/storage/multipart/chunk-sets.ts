// Chunk sets on disk: finding, writing and removing a manifest (`%ut/<id>`) and its chunks
// (`%ch/<id>/<n>`). A set lives on one mountpath: the object's home when the upload was created.
import { StoreError } from '../../errors/index.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import type { BucketJson } from '../../wire/index.js';
import { isDiskFault, isMissing, makeDirectories, type Disk } from '../io/index.js';
import {
  chunkDirectory,
  chunkManifestDirectory,
  chunkManifestPath,
  isChunkSetId,
} from '../layout/index.js';
import { isReadable, type Mountpath } from '../mountpath/index.js';
import type { StoreContext } from '../store-context.js';
import {
  decodeChunkManifest,
  encodeChunkManifest,
  type ChunkManifest,
  type ManifestChunk,
} from './chunk-manifest.js';

export interface LocatedManifest {
  manifest: ChunkManifest;
  mountpath: Mountpath;
}

export function noSuchUpload(): StoreError {
  return new StoreError(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  );
}

/** Reads the manifest of chunk set `id`, trying `preferred` first; undefined when there is none. */
export async function findManifest(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
  preferred?: Mountpath,
): Promise<LocatedManifest | undefined> {
  if (!isChunkSetId(id)) return undefined;
  const order = preferred === undefined ? context.mountpaths : [preferred, ...context.mountpaths];
  for (const mountpath of order) {
    // A detached or disabled mountpath still serves reads until a resilver moved its sets off.
    if (!isReadable(mountpath)) continue;
    const path = chunkManifestPath(mountpath.path, bucket, id);
    let bytes: Buffer;
    try {
      bytes = await context.disk.readFile(path);
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    return { manifest: decodeChunkManifest(bytes, path), mountpath };
  }
  return undefined;
}

/**
 * Writes (or replaces) a manifest atomically: temporary file, fsync, rename, fsync directory (and
 * the directories made for it into their parents).
 */
export async function writeManifest(
  disk: Disk,
  mountpath: Mountpath,
  bucket: BucketJson,
  id: string,
  manifest: ChunkManifest,
): Promise<void> {
  const path = chunkManifestPath(mountpath.path, bucket, id);
  const created = await makeDirectories(disk, chunkManifestDirectory(mountpath.path, bucket));
  for (const directory of created) await disk.syncDirectory(directory);
  await writeFileAtomically(path, encodeChunkManifest(manifest), disk);
}

/**
 * Removes a chunk set (its chunks first, then its manifest) from every mountpath. A disabled
 * mountpath whose disk fails is passed over (what it holds is swept as an orphan if it returns).
 */
export async function removeChunkSet(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
): Promise<void> {
  if (!isChunkSetId(id)) return;
  for (const mountpath of context.mountpaths) {
    try {
      await context.disk.rm(chunkDirectory(mountpath.path, bucket, id), {
        recursive: true,
        force: true,
      });
      await context.disk.rm(chunkManifestPath(mountpath.path, bucket, id), { force: true });
    } catch (error) {
      if (isReadable(mountpath) || !isDiskFault(error)) throw error;
    }
  }
}

/** Every manifest of a bucket (in-progress uploads and chunked objects), by mountpath. */
export async function* allManifests(
  context: StoreContext,
  bucket: BucketJson,
): AsyncGenerator<{ id: string; located: LocatedManifest }> {
  for (const mountpath of context.mountpaths) {
    if (!mountpath.enabled) continue;
    let entries: string[];
    try {
      entries = await context.disk.readdir(chunkManifestDirectory(mountpath.path, bucket));
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    for (const id of entries) {
      if (!isChunkSetId(id)) continue;
      try {
        const bytes = await context.disk.readFile(chunkManifestPath(mountpath.path, bucket, id));
        yield { id, located: { manifest: decodeChunkManifest(bytes, id), mountpath } };
      } catch (error) {
        // Removed meanwhile, or unreadable: not listed (reads of it report the fault).
        if (isMissing(error) || error instanceof StoreError) continue;
        throw error;
      }
    }
  }
}

/** A completed chunk set's chunk count and largest chunk; undefined when it has no manifest. */
/** A completed chunked object's chunks (its S3 parts, in order). */
export interface ChunkLayout {
  count: number;
  maxChunkSizeBytes: number;
  chunks: readonly ManifestChunk[];
}

export async function chunkLayout(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
): Promise<ChunkLayout | undefined> {
  const located = await findManifest(context, bucket, id);
  if (located === undefined || located.manifest.state !== 'complete') return undefined;
  const { chunks } = located.manifest;
  const maxChunkSizeBytes = chunks.reduce((max, chunk) => Math.max(max, chunk.sizeBytes), 0);
  return { count: chunks.length, maxChunkSizeBytes, chunks };
}
