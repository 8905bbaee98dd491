// What protection jobs walk on a target: the names in one of a bucket's trees, page by page, and
// a bounded pool that processes them a few at a time until the job is aborted.
import type { LocalStore, StoredContentType } from '../../storage/index.js';
import type { BucketJson } from '../../wire/index.js';

const pageSize = 1000;

/** Every name in the bucket's `contentType` tree on this target, in order. */
export async function* localNames(
  store: LocalStore,
  bucket: BucketJson,
  contentType: StoredContentType,
): AsyncGenerator<{ name: string; size: number }> {
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.listObjects(bucket, {
      ...(startAfter === undefined ? {} : { startAfter }),
      limit: pageSize,
      withMetadata: false,
      contentType,
    });
    yield* page;
    if (page.length < pageSize) return;
    startAfter = page[page.length - 1]?.name;
  }
}

/** A name's entry under `%vr`: which version, and whether it is the latest (a delete marker). */
export interface KeptEntry {
  name: string;
  size: number;
  kept: { versionId: string; latest: boolean };
}

/**
 * Every kept version and delete marker (the files under `%vr`) of the bucket on this target, names
 * in order. A name's newest entry is its current object unless it is a delete marker (a name
 * whose current object is gone shows its newest kept entry as the latest: a marker, in practice).
 */
export async function* localKeptVersions(
  store: LocalStore,
  bucket: BucketJson,
): AsyncGenerator<KeptEntry> {
  let startAfter = '';
  for (;;) {
    const page = await store.listVersions(bucket, { prefix: '', startAfter, limit: pageSize });
    for (const version of page) {
      if (version.isLatest && version.deleteMarker !== true) continue;
      const { name, size, isLatest } = version;
      yield { name, size, kept: { versionId: version.versionId ?? 'null', latest: isLatest } };
    }
    const last = page[page.length - 1];
    if (last === undefined || new Set(page.map((version) => version.name)).size < pageSize) return;
    startAfter = last.name;
  }
}

/** The items of `first`, then those of `second`. */
export async function* concat<T>(
  first: AsyncIterable<T>,
  second: AsyncIterable<T>,
): AsyncGenerator<T> {
  yield* first;
  yield* second;
}

/** Runs `work` for every item with at most `concurrency` at a time; stops early when aborted. */
export async function forEachBounded<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  signal: AbortSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const next = await iterator.next();
      if (next.done === true) return;
      await work(next.value);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
