// Sweeps a bucket's chunk sets: completed manifests that no object version names (a crash between
// writing the completed manifest and committing the object, or before an overwritten chunked
// object's set was removed), and multipart uploads older than the configured age.
import type { BucketJson } from '../../wire/index.js';
import { findReplica } from '../replica-lookup.js';
import { unameOf, type StoreContext } from '../store-context.js';
import { readVersionFiles } from '../versions/version-files.js';
import { allManifests, findManifest, removeChunkSet } from './chunk-sets.js';
import { uploadLock } from './multipart-uploads.js';

/** What a sweep removed. */
export interface ChunkSweepResult {
  /** Completed sets no object (or kept version) refers to. */
  orphans: number;
  /** Uploads older than the age limit. */
  abandoned: number;
}

/**
 * Removes the bucket's orphaned and abandoned chunk sets. Each decision is re-checked under the
 * upload's lock and the object's write lock (the order completion takes them), so a sweep can run
 * while the target serves.
 */
export async function sweepChunkSets(
  context: StoreContext,
  bucket: BucketJson,
  options: { maxUploadAgeMs: number; nowMs: number },
): Promise<ChunkSweepResult> {
  const result: ChunkSweepResult = { orphans: 0, abandoned: 0 };
  const candidates: Array<{ id: string; name: string }> = [];
  for await (const { id, located } of allManifests(context, bucket)) {
    candidates.push({ id, name: located.manifest.name });
  }
  for (const { id, name } of candidates) {
    await context.locks.withWriteLock(uploadLock(id), () =>
      context.locks.withWriteLock(unameOf(bucket, name), async () => {
        const located = await findManifest(context, bucket, id);
        if (located === undefined) return;
        const { manifest } = located;
        if (manifest.state === 'upload') {
          if (options.nowMs - manifest.createdMs <= options.maxUploadAgeMs) return;
          await removeChunkSet(context, bucket, id);
          result.abandoned += 1;
        } else if (!(await isReferenced(context, bucket, manifest.name, id))) {
          await removeChunkSet(context, bucket, id);
          result.orphans += 1;
        }
      }),
    );
  }
  return result;
}

/** True when the object, or one of its kept versions, is the chunked object of set `id`. */
async function isReferenced(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  id: string,
): Promise<boolean> {
  const current = await findReplica(context, bucket, name).catch(() => undefined);
  await current?.handle.close();
  if (current?.metadata.chunks === id) return true;
  const kept = await readVersionFiles(context, bucket, name);
  return kept.some((version) => version.metadata.chunks === id);
}
