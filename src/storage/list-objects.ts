// Listing pages: a sorted walk of every mountpath's object tree, merged and deduplicated by name,
// with hashed names resolved through their metadata and merged into place. The walk moves in runs
// (consecutive files of one directory), and a page's files are read in batches (list-resolve.ts).
import { highestRandomWeight, objectDigest } from '../placement/index.js';
import { invariant } from '../util/assert.js';
import type { BucketJson } from '../wire/index.js';
import {
  isMissing,
  mapBounded,
  mergeSortedRuns,
  readSortedEntries,
  walkEntryRuns,
  type Disk,
  type FileMaker,
  type ListingDirectories,
  type WalkBounds,
} from './io/index.js';
import {
  childPath,
  chunkManifestDirectory,
  contentDirectory,
  isHashedEntryName,
  type StoredContentType,
} from './layout/index.js';
import {
  isQuietFailure,
  resolveNames,
  resolveReplicas,
  resolveStoredObjects,
  Candidate,
} from './list-resolve.js';
import { readObjectMetadata } from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import { describeObject, readableMountpaths, unameOf, type StoreContext } from './store-context.js';
import type {
  ListedName,
  ListedReplica,
  ListObjectsOptions,
  ObjectName,
  StoredObject,
} from './store-types.js';

export { Candidate } from './list-resolve.js';

/** Hashed files whose metadata is read at the same time while building a page. */
const metadataReadConcurrency = 32;

// The walk's and the merge's callbacks are the same functions from page to page: a new closure
// per page made V8 deoptimize the optimized walk and merge ("wrong call target") during a fresh
// node's first listing, and compile them again.
const candidateName = (candidate: Candidate): string => candidate.name;
const candidateMakers = new WeakMap<Mountpath, FileMaker<Candidate>>();

/** The walk's maker of a mountpath's candidates, one per mountpath. */
function candidateMaker(mountpath: Mountpath): FileMaker<Candidate> {
  let make = candidateMakers.get(mountpath);
  if (make === undefined) {
    make = (name, directory, entry) => new Candidate(name, directory, entry, mountpath);
    candidateMakers.set(mountpath, make);
  }
  return make;
}

/** One page of a bucket listing, ascending by name, strictly after `startAfter`. */
export async function listObjects(
  context: StoreContext,
  bucket: BucketJson,
  options: ListObjectsOptions,
): Promise<StoredObject[] | ListedName[] | ObjectName[]> {
  invariant(Number.isInteger(options.limit) && options.limit >= 0, 'listing limit');
  const { disk } = context;
  const candidates = pageCandidates(context, bucket, options);
  if (options.withMetadata) {
    return collectPage(candidates, options.limit, (batch) =>
      resolveStoredObjects(disk, bucket, batch),
    );
  }
  if (options.namesOnly === true) {
    // The walk just saw each file: nothing more to read (AIStore's LsNameOnly).
    return collectPage(candidates, options.limit, (batch) =>
      Promise.resolve(batch.map((candidate): ObjectName => ({ name: candidate.name }))),
    );
  }
  const chunkSets = (): Promise<boolean> => hasChunkSets(context, bucket);
  return collectPage(candidates, options.limit, (batch) => resolveNames(disk, batch, chunkSets));
}

/** One page of replicas with what LRU weighs (see `resolveReplicas`), ascending by name. */
export async function listReplicas(
  context: StoreContext,
  bucket: BucketJson,
  options: Pick<ListObjectsOptions, 'startAfter' | 'limit'>,
): Promise<ListedReplica[]> {
  invariant(Number.isInteger(options.limit) && options.limit >= 0, 'listing limit');
  return collectPage(pageCandidates(context, bucket, options), options.limit, (batch) =>
    resolveReplicas(context.disk, bucket, batch),
  );
}

/** Every readable mountpath's files within the bounds, merged by name, one per name. */
function pageCandidates(
  context: StoreContext,
  bucket: BucketJson,
  options: Pick<ListObjectsOptions, 'prefix' | 'startAfter' | 'contentType' | 'directories'>,
): AsyncGenerator<Candidate[]> {
  const bounds: WalkBounds = { prefix: options.prefix ?? '', startAfter: options.startAfter ?? '' };
  // A listing steps forward: what its earlier steps read before this one begins is not read again.
  options.directories?.passed(bounds.startAfter);
  const sources = readableMountpaths(context).map((mountpath) =>
    listMountpathRuns(
      context.disk,
      mountpath,
      bucket,
      bounds,
      options.contentType ?? 'ob',
      options.directories,
    ),
  );
  return uniqueNames(mergeSortedRuns(sources, candidateName), bucket);
}

/**
 * Whether any mountpath holds a chunk manifest of the bucket (an upload in progress counts too):
 * one directory read each. A directory that cannot be read counts as holding one.
 */
async function hasChunkSets(context: StoreContext, bucket: BucketJson): Promise<boolean> {
  const found = await Promise.all(
    context.mountpaths.map(async (mountpath) => {
      try {
        const { names } = await context.disk.readDirectoryEntries(
          chunkManifestDirectory(mountpath.path, bucket),
        );
        return names.length > 0;
      } catch (error) {
        return !isMissing(error);
      }
    }),
  );
  return found.includes(true);
}

/**
 * Pulls only as many candidates as still fit in the page and reads them as one batch; names whose
 * file vanished meanwhile are replaced by the next ones.
 */
async function collectPage<T>(
  candidates: AsyncGenerator<Candidate[]>,
  limit: number,
  resolve: (batch: Candidate[]) => Promise<Array<T | undefined>>,
): Promise<T[]> {
  const page: T[] = [];
  let carried: Candidate[] = [];
  try {
    let exhausted = false;
    while (page.length < limit) {
      const wanted = limit - page.length;
      let batch = carried.length <= wanted ? carried : carried.slice(0, wanted);
      carried = carried.length <= wanted ? [] : carried.slice(wanted);
      while (batch.length < wanted && !exhausted) {
        const next = await candidates.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        const room = wanted - batch.length;
        const run = next.value;
        batch = batch.length === 0 && run.length <= room ? run : batch.concat(run.slice(0, room));
        if (run.length > room) carried = run.slice(room);
      }
      if (batch.length === 0) break;
      for (const entry of await resolve(batch)) if (entry !== undefined) page.push(entry);
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
  for await (const run of listMountpathRuns(disk, mountpath, bucket, bounds, type)) yield* run;
}

/**
 * The same candidates as `listMountpath`, in runs (see `walkEntryRuns`); the directories read are
 * the listing's kept ones when `directories` has them.
 */
export async function* listMountpathRuns(
  disk: Disk,
  mountpath: Mountpath,
  bucket: BucketJson,
  bounds: WalkBounds,
  type: StoredContentType,
  directories?: ListingDirectories,
): AsyncGenerator<Candidate[]> {
  const root = contentDirectory(mountpath.path, bucket, type);
  const topEntries = await (directories?.read(disk, root) ?? readSortedEntries(disk, root, ''));
  const hashedEntries = topEntries.filter(
    (item) => !item.directory && isHashedEntryName(item.entry),
  );
  const naturalEntries = topEntries.filter(
    (item) => item.directory || !isHashedEntryName(item.entry),
  );
  const hashed = await readHashedCandidates(disk, hashedEntries, root, mountpath, bucket, bounds);
  const natural = (): AsyncGenerator<Candidate[]> =>
    walkEntryRuns(
      disk,
      root,
      naturalEntries,
      bounds,
      directories?.reader ?? readSortedEntries,
      candidateMaker(mountpath),
    );
  if (hashed.length === 0) {
    yield* natural();
    return;
  }
  // Natural first: if a name briefly has both forms (a PUT replacing a hashed copy), the natural
  // file is the newer one and deduplication keeps the first of equal names on a mountpath.
  yield* mergeSortedRuns([natural(), singleRun(hashed)], candidateName);
}

async function* singleRun<T>(items: T[]): AsyncGenerator<T[]> {
  await Promise.resolve();
  yield items;
}

/**
 * Hashed files can hold any name, so no directory tells where they sort: each page reads all of
 * a mountpath's hashed records (they are rare: odd or colliding names only) and keeps those in
 * bounds. A file whose record cannot be read is left out (a GET of its name reports the fault).
 */
async function readHashedCandidates(
  disk: Disk,
  entries: ReadonlyArray<{ readonly entry: string }>,
  root: string,
  mountpath: Mountpath,
  bucket: BucketJson,
  bounds: WalkBounds,
): Promise<Candidate[]> {
  const read = await mapBounded(entries, metadataReadConcurrency, async ({ entry }) => {
    const path = childPath(root, entry);
    const metadata = await readQuietly(() =>
      readObjectMetadata(disk, path, `${describeObject(bucket, '')} (${path})`),
    );
    const name = metadata?.name;
    if (metadata === undefined || name === undefined) return undefined;
    if (!name.startsWith(bounds.prefix) || name <= bounds.startAfter) return undefined;
    return new Candidate(name, root, entry, mountpath, metadata);
  });
  const candidates = read.filter((candidate) => candidate !== undefined);
  return candidates.sort((left, right) => (left.name < right.name ? -1 : 1));
}

/**
 * Merged candidates arrive with equal names side by side (a misplaced replica on a second
 * mountpath), possibly split across runs; keeps one per name, preferring the one on the name's
 * home mountpath.
 */
async function* uniqueNames(
  runs: AsyncIterable<Candidate[]>,
  bucket: BucketJson,
): AsyncGenerator<Candidate[]> {
  let pending: Candidate | undefined;
  let equals: Candidate[] = [];
  for await (const run of runs) {
    const unique: Candidate[] = [];
    for (const candidate of run) {
      if (pending === undefined) {
        pending = candidate;
      } else if (pending.name === candidate.name) {
        equals.push(candidate);
      } else {
        unique.push(settled(pending, equals, bucket));
        pending = candidate;
        equals = [];
      }
    }
    // The last name of a run may continue in the next one: it waits.
    if (unique.length > 0) yield unique;
  }
  if (pending !== undefined) yield [settled(pending, equals, bucket)];
}

/** The one candidate of a name: `first`, or the preferred of it and its `equals` (other mountpaths). */
function settled(first: Candidate, equals: Candidate[], bucket: BucketJson): Candidate {
  return equals.length === 0 ? first : preferred([first, ...equals], bucket);
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

/** Runs a read; a file deleted meanwhile or with a corrupt record yields undefined. */
export async function readQuietly<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isQuietFailure(error)) return undefined;
    throw error;
  }
}
