// A page of a bucket's versions: the current objects (from the ordinary listing) merged with the
// kept versions and delete markers under `%vr`; names in order, each name's versions newest first.
// Kept files are found by name alone (their paths say it), and only the page's records are read.
import type { BucketJson } from '../../wire/index.js';
import { isMissing, mapBounded, readSortedEntries, walkEntries, type Disk } from '../io/index.js';
import {
  childPath,
  isHashedEntryName,
  isVersionId,
  parseVersionEntry,
  versionRoot,
  type ReplicaPath,
} from '../layout/index.js';
import { readObjectMetadata, type ObjectMetadata } from '../meta/index.js';
import type { Mountpath } from '../mountpath/index.js';
import { listObjects, readQuietly } from '../list-objects.js';
import { readableMountpaths, toStoredObject, type StoreContext } from '../store-context.js';
import type { ListedName, ObjectName, StoredObject } from '../store-types.js';
import { newestFirst, uniqueVersions, versionIdOf } from './version-files.js';

/** Records read at the same time while building a page. */
const readConcurrency = 32;

/** One version in a listing. */
export type ListedVersion = StoredObject & { isLatest: boolean };

export interface KeptCandidate {
  name: string;
  location: ReplicaPath;
  mountpath: Mountpath;
  metadata?: ObjectMetadata;
}

/**
 * The versions of at most `limit` names after `startAfter` that start with `prefix`; fewer names
 * only at the end of the listing (callers page on until a short page).
 */
export async function listVersions(
  context: StoreContext,
  bucket: BucketJson,
  options: { prefix: string; startAfter: string; limit: number },
): Promise<ListedVersion[]> {
  const page: ListedVersion[] = [];
  let { startAfter } = options;
  let wanted = options.limit;
  // A name whose versions all vanished between the walk and the read yields none: the next names
  // take its place, or a short page would end the caller's walk early.
  while (wanted > 0) {
    const read = await readVersionPage(context, bucket, { ...options, startAfter, limit: wanted });
    page.push(...read.versions);
    const last = read.names.at(-1);
    if (read.names.length < wanted || last === undefined) break;
    wanted -= new Set(read.versions.map((version) => version.name)).size;
    startAfter = last;
  }
  return page;
}

/** The versions of the next `limit` names found by the walk, and those names (some may be gone). */
async function readVersionPage(
  context: StoreContext,
  bucket: BucketJson,
  options: { prefix: string; startAfter: string; limit: number },
): Promise<{ versions: ListedVersion[]; names: string[] }> {
  const listed: Array<StoredObject | ListedName | ObjectName> = await listObjects(context, bucket, {
    ...options,
    withMetadata: true,
  });
  const current = listed.filter((entry): entry is StoredObject => 'checksum' in entry);
  const kept = new Map<string, KeptCandidate[]>();
  // Draining mountpaths too: their kept versions are readable until the resilver moves them.
  for (const mountpath of readableMountpaths(context)) {
    for (const candidate of await keptCandidates(context.disk, mountpath, bucket, options)) {
      const group = kept.get(candidate.name) ?? [];
      group.push(candidate);
      kept.set(candidate.name, group);
    }
  }
  const currentByName = new Map(current.map((object) => [object.name, object]));
  const names = [...new Set([...currentByName.keys(), ...kept.keys()])]
    .sort((left, right) => (left < right ? -1 : left > right ? 1 : 0))
    .slice(0, options.limit);
  const page: ListedVersion[] = [];
  for (const name of names) {
    const latest = currentByName.get(name);
    const versions = await readKept(context.disk, bucket, kept.get(name) ?? []);
    const shown = versions.filter(
      (version) =>
        latest === undefined ||
        (version.versionId !== (latest.versionId ?? 'null') &&
          (version.versionStamp ?? 0) <= (latest.versionStamp ?? 0)),
    );
    if (latest !== undefined) page.push({ ...latest, isLatest: true });
    shown.forEach((version, index) => {
      page.push({ ...version, isLatest: latest === undefined && index === 0 });
    });
  }
  return { versions: page, names };
}

/** A mountpath's kept files of names within the bounds (records read only for hashed ones). */
export async function keptCandidates(
  disk: Disk,
  mountpath: Mountpath,
  bucket: BucketJson,
  bounds: { prefix: string; startAfter: string },
): Promise<KeptCandidate[]> {
  const root = versionRoot(mountpath.path, bucket);
  const top = await readSortedEntries(disk, root, '');
  const inBounds = (name: string): boolean =>
    name.startsWith(bounds.prefix) && name > bounds.startAfter;
  const candidates: KeptCandidate[] = [];
  const natural = top.filter((item) => !(item.directory && isHashedEntryName(item.entry)));
  // `name;id` is in bounds whenever `name` is, so the walk may skip what is out of bounds; the
  // check below drops the few extra (`a;id` sorts after `a/x`).
  for await (const file of walkEntries(disk, root, natural, bounds)) {
    const parsed = parseVersionEntry(file.name);
    if (parsed === undefined || !inBounds(parsed.name)) continue;
    const location = { path: file.path, hashed: false };
    candidates.push({ name: parsed.name, location, mountpath });
  }
  for (const item of top) {
    if (!item.directory || !isHashedEntryName(item.entry)) continue;
    const directory = childPath(root, item.entry);
    const entries = await disk.readdir(directory).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    });
    for (const entry of entries.filter(isVersionId)) {
      const path = childPath(directory, entry);
      const metadata = await readQuietly(() => readObjectMetadata(disk, path, path));
      if (metadata?.name === undefined || !inBounds(metadata.name)) continue;
      candidates.push({
        name: metadata.name,
        location: { path, hashed: true },
        mountpath,
        metadata,
      });
    }
  }
  return candidates;
}

async function readKept(
  disk: Disk,
  bucket: BucketJson,
  candidates: KeptCandidate[],
): Promise<Array<StoredObject & { versionId: string }>> {
  const read = await mapBounded(candidates, readConcurrency, async (candidate) => {
    const path = candidate.location.path;
    const metadata =
      candidate.metadata ?? (await readQuietly(() => readObjectMetadata(disk, path, path)));
    const stats = await readQuietly(() => disk.stat(path, { bigint: true }));
    if (metadata === undefined || stats === undefined) return undefined;
    const object = toStoredObject(bucket, candidate.name, metadata, stats, candidate.mountpath);
    return { ...object, versionId: versionIdOf(metadata), metadata };
  });
  return uniqueVersions(read.filter((entry) => entry !== undefined).sort(newestFirst)).map(
    ({ metadata, ...object }) => {
      void metadata;
      return object;
    },
  );
}
