// GETs of hot small objects answered from the content cache (meta/content-cache.ts): a replica
// whose verified bytes are kept beside its cached record is served without a thread-pool job, and
// a whole verified read of one keeps a copy. The file behind an entry is checked by a stat started
// in the background (never on a request's path), at most once per half the cache's interval.
import type { ReplicaPath } from './layout/index.js';
import { sameState } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import type { ReadReplica } from './replica-lookup.js';
import type { StoreContext } from './store-context.js';

/**
 * The replica of `name` at `location` from the content cache (its bytes in `content`, verified
 * when kept, owned by the cache: never to be changed), or undefined when it is not kept or not
 * confirmed within the interval (the caller reads the file as usual).
 */
export function cachedReplica(
  context: StoreContext,
  location: ReplicaPath,
  mountpath: Mountpath,
  name: string,
): ReadReplica | undefined {
  const { metadataCache } = context;
  const hit = metadataCache.cachedContent(location.path, context.clock.nowMs());
  if (hit === undefined) return undefined;
  const { content, check } = hit;
  if (check !== undefined) {
    context.disk.stat(check.path, { bigint: true }).then(
      (stats) => metadataCache.contentChecked(check, sameState(stats, check.identity)),
      // Gone or unreadable: the next GET reads the file and meets the problem there.
      () => metadataCache.contentChecked(check, false),
    );
  }
  const { metadata } = content.record;
  // A hashed file's name is in its metadata (as a read from disk checks).
  if (location.hashed && metadata.name !== name) return undefined;
  const { stats, data } = content;
  return { stats, metadata, mountpath, location, content: data, readError: undefined };
}

/**
 * Keeps the bytes of `replica` (the whole object, read in one job started at `readAtMs` and just
 * verified against its record) in the content cache when they fit. A chunked object's file holds
 * no content.
 */
export function keepContent(
  context: StoreContext,
  replica: ReadReplica,
  data: Buffer,
  readAtMs: number,
): void {
  const { metadataCache } = context;
  const { metadata, stats, location } = replica;
  if (metadata.chunks !== undefined || !metadataCache.content.fits(data.length)) return;
  metadataCache.keepContent(location.path, metadata, stats, data, readAtMs);
}
