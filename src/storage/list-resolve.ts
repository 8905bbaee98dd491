// Reads a listing page's files: grouped by directory, each group one stat-batch job (a stat per
// file, plus the metadata attribute where the page needs it), instead of a thread-pool hand-off
// or two per object.
import { isStoreError } from '../errors/index.js';
import type { BucketJson } from '../wire/index.js';
import {
  isMissing,
  mapBounded,
  type AttributeReads,
  type Disk,
  type StatBatch,
} from './io/index.js';
import {
  evictionFieldsFromAttribute,
  metadataAttributeName,
  metadataFromAttribute,
  sizeFromAttribute,
  type ObjectMetadata,
} from './meta/index.js';
import type { Mountpath } from './mountpath/index.js';
import { childPath } from './layout/index.js';
import { describeObject, toStoredObject } from './store-context.js';
import type { ListedName, ListedReplica, StoredObject } from './store-types.js';

/** Files per stat-batch job: bounds one job's time on a thread-pool thread. */
const batchMaxFiles = 1000;
/** Jobs in flight: libuv's default thread pool has four threads. */
const batchConcurrency = 4;

/** A file the walk found, not yet read (one object per listed file: its path is made on demand). */
export class Candidate {
  constructor(
    readonly name: string,
    /** The directory that holds the file, and its entry there. */
    readonly directory: string,
    readonly entry: string,
    readonly mountpath: Mountpath,
    /** Already read for hashed files (their name is only in the metadata). */
    readonly metadata?: ObjectMetadata,
  ) {}

  get path(): string {
    return childPath(this.directory, this.entry);
  }
}

/** Whether the bucket has chunk sets (chunk manifests) on the target: chunked objects may exist. */
export type ChunkSetProbe = () => Promise<boolean>;

/**
 * Names and sizes: the stat's size, or for an empty file that may be a chunked object its
 * record's. A chunked object's manifest exists from before its file is committed until after it is
 * gone, so when the bucket has none after the stats, every empty file stat'ed was an empty object
 * and no record is read (a record read costs more than the stat: measured in docs/profiling.md).
 */
export async function resolveNames(
  disk: Disk,
  batch: Candidate[],
  chunkSets: ChunkSetProbe,
): Promise<Array<ListedName | undefined>> {
  const listed = new Array<ListedName | undefined>(batch.length).fill(undefined);
  const unread: number[] = [];
  for (let index = 0; index < batch.length; index += 1) {
    const candidate = batch[index] as Candidate;
    // A hashed file's record was read to learn its name; it holds the size too.
    if (candidate.metadata === undefined) unread.push(index);
    else listed[index] = { name: candidate.name, size: candidate.metadata.size };
  }
  const readRecords = (index: number, candidate: Candidate, stats: StatBatch, at: number): void => {
    if (!isRegularFile(stats, at)) return;
    const size = stats.size(at);
    if (size > 0) {
      listed[index] = { name: candidate.name, size };
      return;
    }
    try {
      // The name as context: a corrupt record only leaves the entry out, its message unseen.
      const recorded = sizeFromAttribute(
        stats.attribute(at),
        stats.attributeError(at),
        candidate.name,
      );
      listed[index] = { name: candidate.name, size: recorded };
    } catch (error) {
      if (!isQuietFailure(error)) throw error;
    }
  };
  if (await chunkSets()) {
    await readGroups(disk, batch, unread, 'empty', readRecords);
    return listed;
  }
  const empty: number[] = [];
  await readGroups(disk, batch, unread, 'none', (index, candidate, stats, at) => {
    if (!isRegularFile(stats, at)) return;
    const size = stats.size(at);
    listed[index] = { name: candidate.name, size };
    if (size === 0) empty.push(index);
  });
  if (empty.length > 0 && (await chunkSets())) {
    // A chunked object may have been completed meanwhile: its empty files are read again.
    for (const index of empty) listed[index] = undefined;
    await readGroups(disk, batch, empty, 'empty', readRecords);
  }
  return listed;
}

// Listing reads by path without the name lock: a page is a snapshot of names, not a transaction.
/** Full objects: every file's stat and record. */
export async function resolveStoredObjects(
  disk: Disk,
  bucket: BucketJson,
  batch: Candidate[],
): Promise<Array<StoredObject | undefined>> {
  const listed = new Array<StoredObject | undefined>(batch.length).fill(undefined);
  const all = batch.map((_, index) => index);
  await readGroups(disk, batch, all, 'all', (index, candidate, stats, at) => {
    if (!isRegularFile(stats, at)) return;
    const context = describeObject(bucket, candidate.name);
    const metadata =
      candidate.metadata ??
      quietly(() => metadataFromAttribute(stats.attribute(at), stats.attributeError(at), context));
    if (metadata === undefined) return;
    const times = { atimeNs: stats.accessTimeNs(at), mtimeNs: stats.modifiedTimeNs(at) };
    listed[index] = toStoredObject(bucket, candidate.name, metadata, times, candidate.mountpath);
  });
  return listed;
}

/**
 * What LRU weighs: every file's stat and record, of which only size, copies and the chunked flag
 * are decoded (a full StoredObject per candidate was most of LRU's listing cost).
 */
export async function resolveReplicas(
  disk: Disk,
  bucket: BucketJson,
  batch: Candidate[],
): Promise<Array<ListedReplica | undefined>> {
  const listed = new Array<ListedReplica | undefined>(batch.length).fill(undefined);
  const all = batch.map((_, index) => index);
  await readGroups(disk, batch, all, 'all', (index, candidate, stats, at) => {
    if (!isRegularFile(stats, at)) return;
    const { metadata } = candidate;
    const fields =
      metadata === undefined
        ? quietly(() =>
            evictionFieldsFromAttribute(
              stats.attribute(at),
              stats.attributeError(at),
              describeObject(bucket, candidate.name),
            ),
          )
        : { size: metadata.size, copies: metadata.copies, chunked: metadata.chunks !== undefined };
    if (fields === undefined) return;
    listed[index] = {
      name: candidate.name,
      mountpath: candidate.mountpath.path,
      size: fields.size,
      accessTimeNs: stats.accessTimeNs(at),
      modifiedTimeMs: Number(stats.modifiedTimeNs(at) / 1_000_000n),
      copies: fields.copies,
      chunked: fields.chunked,
    };
  });
  return listed;
}

/**
 * Stats the candidates at `indices` a directory at a time and hands each to `read` with its
 * results. A failure other than a vanished file fails the page, as a single read would.
 */
async function readGroups(
  disk: Disk,
  batch: readonly Candidate[],
  indices: readonly number[],
  reads: AttributeReads,
  read: (index: number, candidate: Candidate, stats: StatBatch, at: number) => void,
): Promise<void> {
  // Candidates arrive in name order, a directory's files mostly side by side.
  const groups = new Map<string, number[]>();
  for (const index of indices) {
    const directory = (batch[index] as Candidate).directory;
    const group = groups.get(directory);
    if (group === undefined) groups.set(directory, [index]);
    else group.push(index);
  }
  const jobs: Array<{ directory: string; members: number[] }> = [];
  for (const [directory, members] of groups) {
    for (let start = 0; start < members.length; start += batchMaxFiles) {
      const part =
        members.length <= batchMaxFiles ? members : members.slice(start, start + batchMaxFiles);
      jobs.push({ directory, members: part });
    }
  }
  await mapBounded(jobs, batchConcurrency, async ({ directory, members }) => {
    const names = members.map((index) => (batch[index] as Candidate).entry);
    const stats = await disk.statFiles(directory, names, metadataAttributeName, reads);
    for (let at = 0; at < members.length; at += 1) {
      const index = members[at] as number;
      read(index, batch[index] as Candidate, stats, at);
    }
  });
}

function isRegularFile(stats: StatBatch, at: number): boolean {
  if (stats.isFile(at)) return true;
  const error = stats.statError(at);
  if (error !== undefined && !isQuietFailure(error)) throw error;
  return false;
}

/** A decode of a record read with the stat; undefined when absent, vanished or corrupt. */
function quietly<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (error) {
    if (isQuietFailure(error)) return undefined;
    throw error;
  }
}

/** A file deleted meanwhile, or a corrupt record: the entry is left out of a listing. */
export function isQuietFailure(error: unknown): boolean {
  return isMissing(error) || (isStoreError(error) && error.code === 'ObjectCorrupted');
}
