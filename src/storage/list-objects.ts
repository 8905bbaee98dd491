// Listing pages: a sorted walk of every mountpath's object tree, merged and deduplicated by name,
// with hashed names resolved through their metadata and merged into place.
import { isStoreError } from '../errors/index.js';
import { highestRandomWeight, objectDigest } from '../placement/index.js';
import { invariant } from '../util/assert.js';
import type { BucketJson } from '../wire/index.js';
import {
  fromSortedArray,
  isMissing,
  mapBounded,
  mergeSorted,
  readSortedEntries,
  walkEntries,
  type Disk,
  type WalkBounds,
} from './io/index.js';
import {
  childPath,
  contentDirectory,
  isHashedEntryName,
  type StoredContentType,
} from './layout/index.js';
import { readObjectMetadata, type ObjectMetadata } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import {
  describeObject,
  readableMountpaths,
  toStoredObject,
  unameOf,
  type StoreContext,
} from './store-context.js';
import type { ListedName, ListObjectsOptions, StoredObject } from './store-types.js';

/** Files whose metadata or stat are read at the same time while building a page. */
const metadataReadConcurrency = 32;

/** A file the walk found, not yet read. */
export interface Candidate {
  readonly name: string;
  readonly path: string;
  readonly mountpath: Mountpath;
  /** Already read for hashed files (their name is only in the metadata). */
  readonly metadata?: ObjectMetadata;
}

/** One page of a bucket listing, ascending by name, strictly after `startAfter`. */
export async function listObjects(
  context: StoreContext,
  bucket: BucketJson,
  options: ListObjectsOptions,
): Promise<StoredObject[] | ListedName[]> {
  invariant(Number.isInteger(options.limit) && options.limit >= 0, 'listing limit');
  const bounds: WalkBounds = { prefix: options.prefix ?? '', startAfter: options.startAfter ?? '' };
  const sources = readableMountpaths(context).map((mountpath) =>
    listMountpath(context.disk, mountpath, bucket, bounds, options.contentType ?? 'ob'),
  );
  const candidates = uniqueNames(
    mergeSorted(sources, (candidate) => candidate.name),
    bucket,
  );
  const { disk } = context;
  return options.withMetadata
    ? collectPage(candidates, options.limit, (candidate) =>
        readStoredObject(disk, bucket, candidate),
      )
    : collectPage(candidates, options.limit, (candidate) => readListedName(disk, candidate));
}

/**
 * Pulls only as many candidates as still fit in the page and reads them in parallel; a name whose
 * file vanished meanwhile is replaced by the next one.
 */
async function collectPage<T>(
  candidates: AsyncGenerator<Candidate>,
  limit: number,
  resolve: (candidate: Candidate) => Promise<T | undefined>,
): Promise<T[]> {
  const page: T[] = [];
  try {
    let exhausted = false;
    while (!exhausted && page.length < limit) {
      const batch: Candidate[] = [];
      while (batch.length < limit - page.length) {
        const next = await candidates.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        batch.push(next.value);
      }
      const resolved = await mapBounded(batch, metadataReadConcurrency, resolve);
      for (const entry of resolved) if (entry !== undefined) page.push(entry);
    }
  } finally {
    await candidates.return(undefined);
  }
  return page;
}

/** One mountpath's candidates in name order: the natural walk merged with the hashed files. */
export async function* listMountpath(
  disk: Disk,
  mountpath: Mountpath,
  bucket: BucketJson,
  bounds: WalkBounds,
  type: StoredContentType,
): AsyncGenerator<Candidate> {
  const root = contentDirectory(mountpath.path, bucket, type);
  const topEntries = await readSortedEntries(disk, root, '');
  const hashedEntries = topEntries.filter(
    (item) => !item.directory && isHashedEntryName(item.entry),
  );
  const naturalEntries = topEntries.filter(
    (item) => item.directory || !isHashedEntryName(item.entry),
  );
  const hashed = await readHashedCandidates(
    disk,
    hashedEntries.map((item) => childPath(root, item.entry)),
    mountpath,
    bucket,
    bounds,
  );
  const natural = async function* (): AsyncGenerator<Candidate> {
    for await (const file of walkEntries(disk, root, naturalEntries, bounds)) {
      yield { name: file.name, path: file.path, mountpath };
    }
  };
  // Natural first: if a name briefly has both forms (a PUT replacing a hashed copy), the natural
  // file is the newer one and deduplication keeps the first of equal names on a mountpath.
  yield* mergeSorted([natural(), fromSortedArray(hashed)], (candidate) => candidate.name);
}

/**
 * Hashed files can hold any name, so no directory tells where they sort: each page reads all of
 * a mountpath's hashed records (they are rare: odd or colliding names only) and keeps those in
 * bounds. A file whose record cannot be read is left out (a GET of its name reports the fault).
 */
async function readHashedCandidates(
  disk: Disk,
  paths: string[],
  mountpath: Mountpath,
  bucket: BucketJson,
  bounds: WalkBounds,
): Promise<Candidate[]> {
  const read = await mapBounded(paths, metadataReadConcurrency, async (path) => {
    const metadata = await readQuietly(() =>
      readObjectMetadata(disk, path, `${describeObject(bucket, '')} (${path})`),
    );
    const name = metadata?.name;
    if (metadata === undefined || name === undefined) return undefined;
    if (!name.startsWith(bounds.prefix) || name <= bounds.startAfter) return undefined;
    return { name, path, mountpath, metadata };
  });
  const candidates = read.filter((candidate) => candidate !== undefined);
  return candidates.sort((left, right) => (left.name < right.name ? -1 : 1));
}

/**
 * Merged candidates arrive with equal names side by side (a misplaced replica on a second
 * mountpath); keeps one per name, preferring the one on the name's home mountpath.
 */
async function* uniqueNames(
  candidates: AsyncIterable<Candidate>,
  bucket: BucketJson,
): AsyncGenerator<Candidate> {
  let group: Candidate[] = [];
  for await (const candidate of candidates) {
    if (group.length > 0 && group[0]?.name !== candidate.name) {
      yield preferred(group, bucket);
      group = [];
    }
    group.push(candidate);
  }
  if (group.length > 0) yield preferred(group, bucket);
}

function preferred(group: Candidate[], bucket: BucketJson): Candidate {
  const [first] = group;
  invariant(first !== undefined, 'empty name group');
  if (group.length === 1) return first;
  const digest = objectDigest(unameOf(bucket, first.name));
  const home = highestRandomWeight(
    digest,
    group.map((candidate) => candidate.mountpath),
  );
  return group.find((candidate) => candidate.mountpath === home) ?? first;
}

// Listing reads by path without the name lock: a page is a snapshot of names, not a transaction.
async function readStoredObject(
  disk: Disk,
  bucket: BucketJson,
  candidate: Candidate,
): Promise<StoredObject | undefined> {
  const context = describeObject(bucket, candidate.name);
  const metadata =
    candidate.metadata ??
    (await readQuietly(() => readObjectMetadata(disk, candidate.path, context)));
  const stats = await readQuietly(() => disk.stat(candidate.path, { bigint: true }));
  if (metadata === undefined || stats === undefined) return undefined;
  return toStoredObject(bucket, candidate.name, metadata, stats, candidate.mountpath);
}

async function readListedName(disk: Disk, candidate: Candidate): Promise<ListedName | undefined> {
  if (candidate.metadata !== undefined) {
    return { name: candidate.name, size: candidate.metadata.size };
  }
  const stats = await readQuietly(() => disk.stat(candidate.path));
  if (stats === undefined || !stats.isFile()) return undefined;
  if (stats.size > 0) return { name: candidate.name, size: stats.size };
  // An empty file may stand for a chunked object: its size is in its record.
  const metadata = await readQuietly(() =>
    readObjectMetadata(disk, candidate.path, candidate.path),
  );
  return metadata === undefined ? undefined : { name: candidate.name, size: metadata.size };
}

/** Runs a read; a file deleted meanwhile or with a corrupt record yields undefined. */
export async function readQuietly<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isMissing(error) || (isStoreError(error) && error.code === 'ObjectCorrupted')) {
      return undefined;
    }
    throw error;
  }
}
