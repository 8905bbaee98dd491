// Chunk sets on disk: finding, writing and removing a manifest (`%ut/<id>`) and its chunks
// (`%ch/<id>/<n>`). A set lives on one mountpath: the object's home when the upload was created.
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { StoreError } from '../../errors/index.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import type { BucketJson } from '../../wire/index.js';
import { isMissing } from '../io/index.js';
import {
  chunkDirectory,
  chunkManifestDirectory,
  chunkManifestPath,
  isChunkSetId,
} from '../layout/index.js';
import { isReadable, type Mountpath } from '../mountpath/index.js';
import type { StoreContext } from '../store-context.js';
import { decodeChunkManifest, encodeChunkManifest, type ChunkManifest } from './chunk-manifest.js';

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
      bytes = await readFile(path);
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    return { manifest: decodeChunkManifest(bytes, path), mountpath };
  }
  return undefined;
}

/** Writes (or replaces) a manifest atomically: temporary file, fsync, rename, fsync directory. */
export async function writeManifest(
  mountpath: Mountpath,
  bucket: BucketJson,
  id: string,
  manifest: ChunkManifest,
): Promise<void> {
  const path = chunkManifestPath(mountpath.path, bucket, id);
  await mkdir(chunkManifestDirectory(mountpath.path, bucket), { recursive: true });
  await writeFileAtomically(path, encodeChunkManifest(manifest));
}

/** Removes a chunk set (its chunks first, then its manifest) from every mountpath. */
export async function removeChunkSet(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
): Promise<void> {
  if (!isChunkSetId(id)) return;
  for (const mountpath of context.mountpaths) {
    await rm(chunkDirectory(mountpath.path, bucket, id), { recursive: true, force: true });
    await rm(chunkManifestPath(mountpath.path, bucket, id), { force: true });
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
      entries = await readdir(chunkManifestDirectory(mountpath.path, bucket));
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    for (const id of entries) {
      if (!isChunkSetId(id)) continue;
      try {
        const bytes = await readFile(chunkManifestPath(mountpath.path, bucket, id));
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
export async function chunkLayout(
  context: StoreContext,
  bucket: BucketJson,
  id: string,
): Promise<{ count: number; maxChunkSizeBytes: number } | undefined> {
  const located = await findManifest(context, bucket, id);
  if (located === undefined || located.manifest.state !== 'complete') return undefined;
  const { chunks } = located.manifest;
  const maxChunkSizeBytes = chunks.reduce((max, chunk) => Math.max(max, chunk.sizeBytes), 0);
  return { count: chunks.length, maxChunkSizeBytes };
}
