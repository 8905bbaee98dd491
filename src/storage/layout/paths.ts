// Every on-disk path of the store is built here: bucket, content-type, object, work-file,
// quarantine and trash paths, and the mountpath's own marker files.
import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { invalidBucketName } from '../../errors/index.js';
import { isGlobalNamespace, type BucketJson } from '../../wire/index.js';
import { invariant } from '../../util/assert.js';
import { uniqueHex } from '../../util/ids.js';
import { contentTypeDirectory, type ContentTypeName } from './content-type.js';
import { hashedEntryName, isNaturallyStorable } from './object-name.js';

/** Written at first open; names the node that owns the mountpath. */
export const ownershipMarkerName = '.cairn.mountpath.json';
/** Replicas that failed their checksum, kept for inspection: `<ms>/<path relative to mountpath>`. */
export const quarantineDirectoryName = '.cairn.quarantine';
/** In every bucket directory: the bucket ID (incarnation) its content belongs to. */
export const bucketMarkerName = '.cairn.bucket.json';
/** Destroyed buckets are renamed here first, then deleted; leftovers are removed at start-up. */
export const trashDirectoryName = '.cairn.trash';

/** What a work file is for; it prefixes the file name so an operator can tell them apart. */
export type WorkFilePrefix =
  'put' | 'part' | 'copy' | 'slice' | 'restore' | 'append' | 'tail' | 'undo';

/** One place an object may be stored on a mountpath. */
export interface ReplicaPath {
  readonly path: string;
  /** True when the file name is the hash of the object name (the name is in the metadata). */
  readonly hashed: boolean;
}

/** `<mountpath>/@<provider>/[<namespace>/]<bucket>` */
export function bucketDirectory(mountpath: string, bucket: BucketJson): string {
  checkBucket(bucket);
  const provider = `@${bucket.provider}`;
  if (isGlobalNamespace(bucket.namespace)) return `${mountpath}/${provider}/${bucket.name}`;
  return `${mountpath}/${provider}/${namespaceDirectoryName(bucket)}/${bucket.name}`;
}

/** `<bucket directory>/.cairn.bucket.json` (see bucket-incarnation.ts) */
export function bucketMarkerPath(mountpath: string, bucket: BucketJson): string {
  return `${bucketDirectory(mountpath, bucket)}/${bucketMarkerName}`;
}

/** `<bucket directory>/%<type>` */
export function contentDirectory(
  mountpath: string,
  bucket: BucketJson,
  type: ContentTypeName,
): string {
  return `${bucketDirectory(mountpath, bucket)}/${contentTypeDirectory(type)}`;
}

/** The root of a bucket's objects on a mountpath: `<bucket directory>/%ob`. */
export function objectRoot(mountpath: string, bucket: BucketJson): string {
  return contentDirectory(mountpath, bucket, 'ob');
}

/** The path an object's name maps to when stored as itself. */
export function naturalObjectPath(root: string, name: string): string {
  return `${root}/${name}`;
}

/** The path of an object stored in hashed form. */
export function hashedObjectPath(root: string, name: string): string {
  return `${root}/${hashedEntryName(name)}`;
}

/**
 * Where `name` may live on one mountpath, in lookup order: the natural path first (when the name
 * can be a path), then the hashed one (used for odd names and on file/directory collisions).
 * `type` selects the tree: objects and mirror copies (`ob`), EC slices (`ec`), EC metafiles (`mt`).
 * Lazy: the hashed path (a SHA-256 of the name) is computed only when a lookup gets that far.
 */
export function* replicaPaths(
  mountpath: string,
  bucket: BucketJson,
  name: string,
  type: ContentTypeName = 'ob',
): Generator<ReplicaPath, void, undefined> {
  const root = contentDirectory(mountpath, bucket, type);
  if (isNaturallyStorable(name, root)) yield { path: naturalObjectPath(root, name), hashed: false };
  yield { path: hashedObjectPath(root, name), hashed: true };
}

/** A fresh work-file path: flat `%wk/<prefix>.<random>.<pid-hex>` on the destination mountpath. */
export function workFilePath(
  mountpath: string,
  bucket: BucketJson,
  prefix: WorkFilePrefix,
): string {
  const directory = contentDirectory(mountpath, bucket, 'wk');
  return `${directory}/${prefix}.${uniqueHex()}.${process.pid.toString(16)}`;
}

/** True when `path` is an append work file (`%wk/append.<random>.<pid-hex>`) of `bucket`. */
export function isAppendWorkFile(mountpath: string, bucket: BucketJson, path: string): boolean {
  const directory = contentDirectory(mountpath, bucket, 'wk');
  if (!path.startsWith(`${directory}/`)) return false;
  return isAppendWorkFileName(path.slice(directory.length + 1));
}

/** True for the file name of an in-place append's undo record (`%wk/undo.<random>.<pid-hex>`). */
export function isUndoRecordName(entry: string): boolean {
  return /^undo\.[0-9a-f]{16}\.[0-9a-f]+$/.test(entry);
}

/** True for the file name of an append work file. */
export function isAppendWorkFileName(entry: string): boolean {
  return /^append\.[0-9a-f]{16}\.[0-9a-f]+$/.test(entry);
}

/** A chunk set's manifest (a multipart upload in progress, or a chunked object): `%ut/<id>`. */
export function chunkManifestPath(mountpath: string, bucket: BucketJson, chunks: string): string {
  checkChunkSetId(chunks);
  return `${contentDirectory(mountpath, bucket, 'ut')}/${chunks}`;
}

/** The manifests directory of a bucket on a mountpath: `%ut`. */
export function chunkManifestDirectory(mountpath: string, bucket: BucketJson): string {
  return contentDirectory(mountpath, bucket, 'ut');
}

/** The directory of a chunk set's chunks: `%ch/<id>`. */
export function chunkDirectory(mountpath: string, bucket: BucketJson, chunks: string): string {
  checkChunkSetId(chunks);
  return `${contentDirectory(mountpath, bucket, 'ch')}/${chunks}`;
}

/** One chunk: `%ch/<id>/<number, 5 digits>` so that a plain `ls` lists chunks in order. */
export function chunkPath(
  mountpath: string,
  bucket: BucketJson,
  chunks: string,
  number: number,
): string {
  invariant(Number.isInteger(number) && number >= 1 && number <= 99_999, `chunk number ${number}`);
  return `${chunkDirectory(mountpath, bucket, chunks)}/${String(number).padStart(5, '0')}`;
}

/** Chunk set IDs become path segments: letters, digits, `-` and `_` only. */
export function isChunkSetId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id);
}

function checkChunkSetId(id: string): void {
  invariant(isChunkSetId(id), `invalid chunk set ID "${id}"`);
}

/** Where a corrupted replica at `filePath` goes: `<mountpath>/.cairn.quarantine/<ms>/<relative>`. */
export function quarantinePath(mountpath: string, filePath: string, nowMs: number): string {
  const relativePath = relative(mountpath, filePath);
  invariant(
    relativePath !== '' && !relativePath.startsWith('..'),
    `${filePath} is not under mountpath ${mountpath}`,
  );
  return `${mountpath}/${quarantineDirectoryName}/${nowMs}/${relativePath}`;
}

/** The mountpath's trash directory. */
export function trashDirectory(mountpath: string): string {
  return `${mountpath}/${trashDirectoryName}`;
}

/** A unique name in the trash for a directory about to be deleted. */
export function trashEntryPath(mountpath: string, nowMs: number): string {
  return `${trashDirectory(mountpath)}/${nowMs}.${randomBytes(6).toString('hex')}`;
}

/** `<mountpath>/.cairn.mountpath.json` */
export function ownershipMarkerPath(mountpath: string): string {
  return `${mountpath}/${ownershipMarkerName}`;
}

/** A directory entry's path (walks use it so that no other module joins paths itself). */
export function childPath(directory: string, entry: string): string {
  return `${directory}/${entry}`;
}

/** True for `@<provider>` directories directly under a mountpath. */
export function isProviderDirectoryName(entry: string): boolean {
  return /^@[a-z0-9]+$/.test(entry);
}

/** True for namespace directories (`#name`, `@uuid#name`) under a provider directory. */
export function isNamespaceDirectoryName(entry: string): boolean {
  // Bucket names never start with '#' or '@' (checkBucket), so the first character decides.
  return entry.startsWith('#') || entry.startsWith('@');
}

/** The work-file directory name inside a bucket directory (start-up cleanup empties it). */
export const workDirectoryName = contentTypeDirectory('wk');

function namespaceDirectoryName(bucket: BucketJson): string {
  const uuid = bucket.namespace?.uuid ?? '';
  const name = bucket.namespace?.name ?? '';
  return uuid === '' ? `#${name}` : `@${uuid}#${name}`;
}

// Bucket and namespace names become path segments: anything that could escape the mountpath or
// be mistaken for another level of the layout is refused (the API layer validates first; this is
// the last line of defence before a path reaches the disk).
function checkBucket(bucket: BucketJson): void {
  invariant(/^[a-z0-9]+$/.test(bucket.provider), `invalid provider "${bucket.provider}"`);
  const name = bucket.name;
  if (!isSafeSegment(name) || name.startsWith('#') || name.startsWith('@')) {
    throw invalidBucketName(name, 'cannot be used as a directory name');
  }
  const namespace = bucket.namespace;
  if (namespace === undefined || isGlobalNamespace(namespace)) return;
  const namespaceSegment = namespaceDirectoryName(bucket);
  if (!isSafeSegment(namespaceSegment) || namespace.uuid.includes('#')) {
    throw invalidBucketName(name, `namespace "${namespaceSegment}" cannot be used as a directory`);
  }
}

function isSafeSegment(segment: string): boolean {
  return (
    segment !== '' &&
    segment !== '.' &&
    segment !== '..' &&
    !segment.includes('/') &&
    !segment.includes('\0') &&
    Buffer.byteLength(segment, 'utf8') <= 255
  );
}
