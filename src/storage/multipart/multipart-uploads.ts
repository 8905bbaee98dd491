// Multipart uploads on a target: create (a manifest in state `upload`), write parts as chunk files
// (each a transaction with its own metadata record), list, abort, and complete. Completion writes
// the final manifest and an empty object file that stands for the chunks: no byte is copied.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createHasher } from '../../checksum/index.js';
import { StoreError, badRequest } from '../../errors/index.js';
import { randomId } from '../../util/ids.js';
import { encryptionMetadataKey, type BucketJson, type ChecksumTypeName } from '../../wire/index.js';
import {
  writeBody,
  isMissing,
  makeDirectories,
  mapBounded,
  removeFileQuietly,
  toStorageError,
  type Disk,
  type DiskFile,
} from '../io/index.js';
import { chunkDirectory, chunkPath, validateObjectName, workFilePath } from '../layout/index.js';
import {
  readObjectMetadata,
  writeObjectMetadata,
  type ObjectMetadata,
  type ObjectRetention,
} from '../meta/index.js';
import { putObject } from '../put/put-object.js';
import { mountpathsFor, unameOf, type StoreContext } from '../store-context.js';
import type { KeptHistory, StoredObject, WritePrecondition } from '../store-types.js';
import type { ChunkManifest, ManifestChunk, UploadChecksum } from './chunk-manifest.js';
import {
  encodeEncryptionRecord,
  encryptionRecordOf,
  partRunsOf,
  plainSizeOf,
} from '../encryption/index.js';
import {
  allManifests,
  findManifest,
  noSuchUpload,
  removeChunkSet,
  writeManifest,
} from './chunk-sets.js';

/** Parts read at the same time when listing or completing. */
const partReadConcurrency = 16;

export interface UploadAttributes {
  customMetadata: Record<string, string>;
  contentHeaders: Record<string, string>;
  tags: Record<string, string>;
  /** S3 object lock asked for at creation; it wins over the completion's default retention. */
  retention?: ObjectRetention;
  legalHold?: boolean;
  /** S3: the additional checksum the parts carry and the form of the object's. */
  checksum?: UploadChecksum;
}

/** What the writer computed of a part's body: its ETag and S3 checksums. */
type PartFinish = { etag?: string; extraChecksums?: Record<string, string> };

export interface PartWrite {
  bucket: BucketJson;
  name: string;
  uploadId: string;
  partNumber: number;
  body: Readable;
  contentLength: number;
  checksumType: ChecksumTypeName;
  finish?: () => PartFinish | Promise<PartFinish>;
  /** As PutObjectRequest's: the caller's digests to the thread pool, paced by the file writes. */
  offloadDigests?: (() => () => Promise<void>) | undefined;
}

export interface StoredPart {
  partNumber: number;
  sizeBytes: number;
  etag: string;
  modifiedTimeMs: number;
  extraChecksums: Record<string, string>;
}

export interface UploadSummary {
  name: string;
  uploadId: string;
  createdMs: number;
}

/** The lock name of an upload (completion, abort and sweeps take it for writing). */
export function uploadLock(uploadId: string): string {
  return `upload/${uploadId}`;
}

export async function createUpload(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  attributes: UploadAttributes,
): Promise<string> {
  validateObjectName(name);
  const [home] = mountpathsFor(context, unameOf(bucket, name));
  if (home === undefined) throw new StoreError('Internal', 'no enabled mountpath');
  const uploadId = randomId(24);
  const manifest: ChunkManifest = {
    state: 'upload',
    name,
    createdMs: context.clock.nowMs(),
    ...attributes,
    chunks: [],
  };
  try {
    await writeManifest(context.disk, home, bucket, uploadId, manifest);
  } catch (error) {
    throw toStorageError(error, home.path);
  }
  return uploadId;
}

/** The upload's manifest, refusing completed, unknown, or another key's uploads. */
async function openUpload(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  uploadId: string,
) {
  const located = await findManifest(
    context,
    bucket,
    uploadId,
    mountpathsFor(context, unameOf(bucket, name))[0],
  );
  if (
    located === undefined ||
    located.manifest.state !== 'upload' ||
    located.manifest.name !== name
  ) {
    throw noSuchUpload();
  }
  return located;
}

export async function uploadPart(context: StoreContext, write: PartWrite): Promise<StoredPart> {
  const { mountpath } = await openUpload(context, write.bucket, write.name, write.uploadId);
  const workPath = workFilePath(mountpath.path, write.bucket, 'part');
  const { disk } = context;
  let handle: DiskFile | undefined;
  try {
    await disk.mkdir(workPath.slice(0, workPath.lastIndexOf('/')), { recursive: true });
    handle = await disk.open(workPath, 'wx');
    const hasher = createHasher(write.checksumType);
    const bytesWritten = await writeBody(write.body, handle, {
      limitBytes: write.contentLength,
      hashers: [hasher],
      caughtUp: write.offloadDigests?.(),
    });
    if (bytesWritten !== write.contentLength) {
      throw badRequest(
        `content length mismatch: received ${bytesWritten} bytes, expected ${write.contentLength}`,
      );
    }
    const extra = (await write.finish?.()) ?? {};
    const metadata: ObjectMetadata = {
      size: bytesWritten,
      checksum: { type: write.checksumType, value: hasher.digest() },
      customMetadata: {},
      copies: [],
      flags: 0,
      etag: extra.etag ?? '',
      ...(extra.extraChecksums === undefined ? {} : { extraChecksums: extra.extraChecksums }),
    };
    await writeObjectMetadata(disk, workPath, metadata);
    if (context.options.fsyncObjects) await handle.sync();
    const destination = chunkPath(mountpath.path, write.bucket, write.uploadId, write.partNumber);
    // The read lock keeps an abort or completion from running between this check and the rename.
    await context.locks.withReadLock(uploadLock(write.uploadId), async () => {
      await openUpload(context, write.bucket, write.name, write.uploadId);
      const directory = chunkDirectory(mountpath.path, write.bucket, write.uploadId);
      const created = await makeDirectories(disk, directory);
      await disk.rename(workPath, destination);
      // The part is acknowledged: its name (and the directories made for it) must last too.
      if (context.options.fsyncObjects) {
        for (const changed of new Set([...created, directory])) await context.syncs.sync(changed);
      }
    });
    const stats = await handle.stat();
    return {
      partNumber: write.partNumber,
      sizeBytes: metadata.size,
      etag: metadata.etag ?? '',
      modifiedTimeMs: stats.mtimeMs,
      extraChecksums: metadata.extraChecksums ?? {},
    };
  } catch (error) {
    context.faults.report(error, mountpath.path);
    await removeFileQuietly(disk, workPath).catch(() => undefined);
    throw toStorageError(error, mountpath.path);
  } finally {
    await handle?.close();
  }
}

/** Reads the record of every part file, ascending by part number. */
async function readParts(
  disk: Disk,
  bucket: BucketJson,
  uploadId: string,
  mountpathPath: string,
): Promise<Array<StoredPart & { checksum: ObjectMetadata['checksum'] }>> {
  let entries: string[];
  try {
    entries = await disk.readdir(chunkDirectory(mountpathPath, bucket, uploadId));
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const numbers = entries
    .filter((entry) => /^\d{5}$/.test(entry))
    .map(Number)
    .sort((a, b) => a - b);
  const parts = await mapBounded(numbers, partReadConcurrency, async (partNumber) => {
    const path = chunkPath(mountpathPath, bucket, uploadId, partNumber);
    try {
      const [metadata, stats] = await Promise.all([
        readObjectMetadata(disk, path, path),
        disk.stat(path),
      ]);
      return {
        partNumber,
        sizeBytes: metadata.size,
        etag: metadata.etag ?? '',
        modifiedTimeMs: stats.mtimeMs,
        extraChecksums: metadata.extraChecksums ?? {},
        checksum: metadata.checksum,
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  });
  return parts.filter((part) => part !== undefined);
}

/** What the upload was created with (an encrypted upload's record is in its custom metadata). */
export async function uploadAttributes(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  uploadId: string,
): Promise<UploadAttributes> {
  const { manifest } = await openUpload(context, bucket, name, uploadId);
  return {
    customMetadata: manifest.customMetadata,
    contentHeaders: manifest.contentHeaders,
    tags: manifest.tags,
  };
}

export async function listParts(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  uploadId: string,
): Promise<StoredPart[]> {
  const { mountpath } = await openUpload(context, bucket, name, uploadId);
  return readParts(context.disk, bucket, uploadId, mountpath.path);
}

export async function abortUpload(
  context: StoreContext,
  bucket: BucketJson,
  name: string,
  uploadId: string,
): Promise<void> {
  await context.locks.withWriteLock(uploadLock(uploadId), async () => {
    await openUpload(context, bucket, name, uploadId);
    await removeChunkSet(context, bucket, uploadId);
  });
}

export interface CompleteRequest {
  bucket: BucketJson;
  name: string;
  uploadId: string;
  parts: Array<{ partNumber: number; etag: string; extraChecksums: Record<string, string> }>;
  /** Every part but the last must be at least this large. */
  minPartBytes: number;
  versioning: boolean;
  /** The bucket keeps history: see `PutObjectRequest.history`. */
  history?: KeptHistory | undefined;
  /**
   * The object's additional checksums, computed from its chunks' (S3's composite or full-object
   * form, as the upload asked); throwing cancels the completion.
   */
  combineChecksums: (
    chunks: ManifestChunk[],
    declared: UploadChecksum | undefined,
  ) => Promise<Record<string, string>>;
  /** Checked atomically with the commit: see `PutObjectRequest.precondition`. */
  precondition?: WritePrecondition | undefined;
  /** S3 object lock of the completed object unless the upload asked for one (its default). */
  retention?: ObjectRetention | undefined;
  legalHold?: boolean | undefined;
}

function invalidPart(partNumber: number): StoreError {
  return new StoreError(
    'InvalidPart',
    `One or more of the specified parts could not be found (part ${partNumber}). The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.`,
  );
}

export async function completeUpload(
  context: StoreContext,
  request: CompleteRequest,
): Promise<StoredObject> {
  const { bucket, name, uploadId } = request;
  return context.locks.withWriteLock(uploadLock(uploadId), async () => {
    const { manifest, mountpath } = await openUpload(context, bucket, name, uploadId);
    const stored = new Map(
      (await readParts(context.disk, bucket, uploadId, mountpath.path)).map((part) => [
        part.partNumber,
        part,
      ]),
    );
    const chunks: ManifestChunk[] = request.parts.map((requested, index) => {
      const part = stored.get(requested.partNumber);
      if (part === undefined || part.etag !== requested.etag)
        throw invalidPart(requested.partNumber);
      for (const [algorithm, value] of Object.entries(requested.extraChecksums)) {
        if (part.extraChecksums[algorithm] !== value) throw invalidPart(requested.partNumber);
      }
      if (index < request.parts.length - 1 && part.sizeBytes < request.minPartBytes) {
        throw new StoreError(
          'EntityTooSmall',
          `Your proposed upload is smaller than the minimum allowed object size (part ${requested.partNumber}: ${part.sizeBytes} bytes).`,
        );
      }
      return {
        number: part.partNumber,
        sizeBytes: part.sizeBytes,
        checksum: part.checksum,
        etag: part.etag,
        extraChecksums: part.extraChecksums,
      };
    });
    const md5 = createHash('md5');
    for (const chunk of chunks) md5.update(Buffer.from(chunk.etag, 'hex'));
    const etag = `${md5.digest('hex')}-${chunks.length}`;
    const listed = new Set(chunks.map((chunk) => chunk.number));
    for (const number of stored.keys()) {
      if (!listed.has(number))
        await removeFileQuietly(context.disk, chunkPath(mountpath.path, bucket, uploadId, number));
    }
    const completed: ChunkManifest = { ...manifest, state: 'complete', chunks };
    await writeManifest(context.disk, mountpath, bucket, uploadId, completed);
    const sizeBytes = chunks.reduce((sum, chunk) => sum + chunk.sizeBytes, 0);
    try {
      return await putObject(context, {
        bucket,
        name,
        body: Readable.from([]),
        contentLength: 0,
        checksumType: 'none',
        customMetadata: withPlainBytes(manifest.customMetadata, chunks),
        contentHeaders: manifest.contentHeaders,
        tags: manifest.tags,
        versioning: request.versioning,
        history: request.history,
        chunked: { chunks: uploadId, sizeBytes },
        finish: async () => ({
          etag,
          extraChecksums: await request.combineChecksums(
            plainChunks(manifest.customMetadata, chunks),
            manifest.checksum,
          ),
        }),
        ...(request.precondition === undefined ? {} : { precondition: request.precondition }),
        retention: manifest.retention ?? request.retention,
        legalHold: manifest.legalHold ?? request.legalHold,
      });
    } catch (error) {
      // The upload stays open: the client may retry the completion.
      await writeManifest(context.disk, mountpath, bucket, uploadId, manifest).catch(
        () => undefined,
      );
      throw error;
    }
  });
}

/** In-progress uploads of a bucket, by name then creation time; names after `startAfter`. */
export async function listUploads(
  context: StoreContext,
  bucket: BucketJson,
  options: { prefix: string; startAfter: string },
): Promise<UploadSummary[]> {
  const uploads: UploadSummary[] = [];
  for await (const { id, located } of allManifests(context, bucket)) {
    const { manifest } = located;
    if (manifest.state !== 'upload') continue;
    if (!manifest.name.startsWith(options.prefix) || manifest.name <= options.startAfter) continue;
    uploads.push({ name: manifest.name, uploadId: id, createdMs: manifest.createdMs });
  }
  return uploads.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.createdMs - b.createdMs,
  );
}

/**
 * The chunks with their plaintext sizes: an encrypted part's S3 checksums are of its plaintext, so
 * combining them (full-object CRCs) needs those sizes, not the stored ones.
 */
function plainChunks(
  customMetadata: Record<string, string>,
  chunks: ManifestChunk[],
): ManifestChunk[] {
  if (encryptionRecordOf(customMetadata) === undefined) return chunks;
  return chunks.map((chunk) => ({ ...chunk, sizeBytes: plainSizeOf(chunk.sizeBytes) }));
}

/**
 * An encrypted upload's record completed with the plaintext size and the parts' stored sizes (each
 * part is one segment).
 */
function withPlainBytes(
  customMetadata: Record<string, string>,
  chunks: readonly ManifestChunk[],
): Record<string, string> {
  const record = encryptionRecordOf(customMetadata);
  if (record === undefined) return customMetadata;
  const plainBytes = chunks.reduce((sum, chunk) => sum + plainSizeOf(chunk.sizeBytes), 0);
  const parts = partRunsOf(chunks.map((chunk) => chunk.sizeBytes));
  return {
    ...customMetadata,
    [encryptionMetadataKey]: encodeEncryptionRecord({ ...record, plainBytes, parts }),
  };
}
