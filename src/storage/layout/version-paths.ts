// Paths of older object versions and delete markers (buckets that keep history): `%vr/<name>;<id>`,
// next to where the name would sit under `%ob`, or `%vr/.x<sha256 of name>/<id>` for names that
// cannot be a path (and on file/directory collisions). See docs/formats/object-versions.md.
import { isVersionId, longestVersionId } from '../../util/ids.js';
import { invariant } from '../../util/assert.js';
import type { BucketJson } from '../../wire/index.js';
import { hashedEntryName, isNaturallyStorable } from './object-name.js';
import { contentDirectory, type ReplicaPath } from './paths.js';

/** Separates an object name from a version ID in a version file's name (IDs never contain it). */
const versionSeparator = ';';

// The version ID format is util/ids.ts's (the S3 API checks client-given IDs against it too).
export { isVersionId, longestVersionId, newVersionId, nullVersionId } from '../../util/ids.js';

/** `<bucket directory>/%vr`: the root of a bucket's older versions on a mountpath. */
export function versionRoot(mountpath: string, bucket: BucketJson): string {
  return contentDirectory(mountpath, bucket, 'vr');
}

/**
 * Where version `versionId` of `name` may live on one mountpath, in lookup order: the natural path
 * `%vr/<name>;<id>` (when that can be a path), then the hashed one `%vr/.x<sha256>/<id>`.
 */
export function versionPaths(
  mountpath: string,
  bucket: BucketJson,
  name: string,
  versionId: string,
): ReplicaPath[] {
  invariant(isVersionId(versionId), `invalid version ID "${versionId}"`);
  const root = versionRoot(mountpath, bucket);
  const suffix = `${versionSeparator}${versionId}`;
  const hashed: ReplicaPath = {
    path: `${root}/${hashedEntryName(name)}/${versionId}`,
    hashed: true,
  };
  if (!hasNaturalVersionPaths(name, root, suffix)) return [hashed];
  return [{ path: `${root}/${name}${suffix}`, hashed: false }, hashed];
}

/**
 * Where the version files of `name` sit: the directory and file-name prefix of its natural files
 * (absent when the name is always hashed), and the directory of its hashed ones.
 */
export function versionLocations(
  mountpath: string,
  bucket: BucketJson,
  name: string,
): { natural?: { directory: string; prefix: string }; hashedDirectory: string } {
  const root = versionRoot(mountpath, bucket);
  const hashedDirectory = `${root}/${hashedEntryName(name)}`;
  if (!hasNaturalVersionPaths(name, root, `${versionSeparator}${longestVersionId}`)) {
    return { hashedDirectory };
  }
  const slash = name.lastIndexOf('/');
  const directory = slash < 0 ? root : `${root}/${name.slice(0, slash)}`;
  return {
    natural: { directory, prefix: `${name.slice(slash + 1)}${versionSeparator}` },
    hashedDirectory,
  };
}

/**
 * Splits a natural version file's path relative to `%vr` into object name and version ID;
 * undefined for anything else.
 */
export function parseVersionEntry(
  relativePath: string,
): { name: string; versionId: string } | undefined {
  const index = relativePath.lastIndexOf(versionSeparator);
  if (index <= 0) return undefined;
  const versionId = relativePath.slice(index + 1);
  if (!isVersionId(versionId)) return undefined;
  return { name: relativePath.slice(0, index), versionId };
}

// The suffixed last segment must fit NAME_MAX too (`isNaturallyStorable` refuses a first segment
// in hashed form, so a natural version file never sits where hashed directories do).
function hasNaturalVersionPaths(name: string, root: string, suffix: string): boolean {
  return isNaturallyStorable(name, root) && isNaturallyStorable(`${name}${suffix}`, root);
}
