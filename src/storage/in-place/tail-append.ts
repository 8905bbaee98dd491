// An append in place (AIStore's in-place TAR append): new bytes written over the zero tail of an
// object file — a tar's end-of-archive blocks — instead of rewriting the object. The store knows
// nothing of tar: the caller says where the tail begins and the store checks it is all zeros.
//
// Crash safety: the new bytes are first received into a work file (nothing of the object changes
// while a client sends them); then, under the object's write lock, an undo record (undo-record.ts)
// is made durable, the bytes are copied over the tail, the file is cut after them, and the new
// record (size, checksum, version) is written on the object. A failure undoes the append at once;
// a crash leaves the undo record, which start-up applies: the object is the old one, byte for
// byte, or the new one, never a mix. The bytes before the tail are never written.
//
// Readers: a reader of a range before the tail is unaffected; a reader of the whole object that
// opened it before the append sees bytes change under it, fails its verification and is told so
// (read/corrupt-replicas.ts does not quarantine a replica whose record changed meanwhile).
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { createHasher, type Hasher } from '../../checksum/index.js';
import { StoreError, objectNotFound } from '../../errors/index.js';
import type { BucketJson, ChecksumTypeName } from '../../wire/index.js';
import {
  makeDirectories,
  openFlags,
  removeFileQuietly,
  toStorageError,
  writeBody,
  type DiskFile,
} from '../io/index.js';
import { validateObjectName, workFilePath } from '../layout/index.js';
import { writeFileMetadata, type ObjectMetadata } from '../meta/index.js';
import type { Mountpath } from '../mountpath/index.js';
import { findReplica } from '../replica-lookup.js';
import { describeObject, lockKeyOf, toStoredObject, type StoreContext } from '../store-context.js';
import type { StoredObject } from '../store-types.js';
import { encodeUndoRecord, undoAppend, type UndoRecord } from './undo-record.js';

/**
 * The longest zero tail an append overwrites: GNU tar pads an archive to its record size (10 KiB by
 * default, more with a larger blocking factor). A longer run of zeros is not an end of archive.
 */
export const zeroTailBytesMax = 1 << 20;

/** Chunk of the reads and copies of an append. */
const chunkBytes = 256 << 10;

/** One zero block, added when the new size would equal the old (see `commit`). */
const paddingBlock = Buffer.alloc(512);

/** The object as `prepareTailAppend` found it; the append goes ahead only if it is unchanged. */
interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** Why an object cannot take an append in place (the caller then rewrites it). */
export interface NotInPlace {
  notInPlace: string;
}

export interface TailAppendRequest {
  bucket: BucketJson;
  name: string;
  /** Where the zero tail begins: the new bytes are written from here, the object ends after them. */
  offsetBytes: number;
  /** The bucket's checksum type: the new record's checksum is of this type. */
  checksumType: ChecksumTypeName;
}

/**
 * Reads the object once: verifies it against its record, checks that everything from
 * `offsetBytes` on is zero, and hashes what comes before (for the new checksum). A `NotInPlace`
 * answer changes nothing: the object is chunked, mirrored, a kept version, corrupt, or has no zero
 * tail there. ObjectNotFound when there is no object.
 */
export async function prepareTailAppend(
  context: StoreContext,
  request: TailAppendRequest,
): Promise<PreparedTailAppend | NotInPlace> {
  const { bucket, name, offsetBytes } = request;
  validateObjectName(name);
  const replica = await context.locks.withReadLock(lockKeyOf(bucket, name, 'ob'), () =>
    findReplica(context, bucket, name),
  );
  if (replica === undefined) throw objectNotFound(context.nodeId, bucket, name);
  try {
    const { metadata, stats } = replica;
    const blocker = blockerOf(metadata);
    if (blocker !== undefined) return { notInPlace: blocker };
    const size = Number(stats.size);
    if (size !== metadata.size) return { notInPlace: 'its size differs from its record' };
    if (offsetBytes > size || size - offsetBytes > zeroTailBytesMax)
      return { notInPlace: 'no zero tail where the end of the archive should be' };
    const stored = createHasher(metadata.checksum.type);
    const prefix = createHasher(request.checksumType);
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (let position = 0; position < size;) {
      const { bytesRead } = await replica.handle.read(buffer, 0, chunkBytes, position);
      if (bytesRead === 0) return { notInPlace: 'it is shorter than its record says' };
      const chunk = buffer.subarray(0, bytesRead);
      stored.update(chunk);
      const head = Math.max(0, Math.min(bytesRead, offsetBytes - position));
      if (head > 0) prefix.update(chunk.subarray(0, head));
      if (head < bytesRead && chunk.subarray(head).some((byte) => byte !== 0))
        return { notInPlace: 'bytes other than zeros follow the last file' };
      position += bytesRead;
    }
    if (metadata.checksum.type !== 'none' && stored.digest() !== metadata.checksum.value)
      return { notInPlace: 'its bytes do not match its checksum' };
    const identity: FileIdentity = {
      dev: stats.dev,
      ino: stats.ino,
      size: stats.size,
      mtimeNs: stats.mtimeNs,
      ctimeNs: stats.ctimeNs,
    };
    const found = toStoredObject(bucket, name, metadata, stats, replica.mountpath);
    return new PreparedTailAppend(
      context,
      request,
      replica.mountpath,
      metadata,
      identity,
      prefix,
      found,
    );
  } finally {
    await replica.handle.close();
  }
}

/** What the store's own layout rules out (the caller rules out what bucket properties do). */
function blockerOf(metadata: ObjectMetadata): string | undefined {
  if (metadata.chunks !== undefined) return 'it is a chunked (multipart) object';
  if (metadata.copies.length > 0) return 'it has mirror copies';
  if (metadata.versionId !== undefined) return 'it is a version of a bucket that keeps history';
  return undefined;
}

/** An object ready for an append in place; `commit` writes it. */
export class PreparedTailAppend {
  constructor(
    private readonly context: StoreContext,
    private readonly request: TailAppendRequest,
    private readonly home: Mountpath,
    private readonly metadata: ObjectMetadata,
    private readonly identity: FileIdentity,
    /** The hash of the bytes before the tail, continued with the new bytes. */
    private readonly hasher: Hasher,
    /** The object as it was prepared: the caller checks it is the one it located the tail in. */
    readonly found: StoredObject,
  ) {}

  /**
   * Writes `body` over the zero tail and commits it as the object's new content (a new version
   * when `versioning`). The custom metadata, content headers and tags stay; the ETag and S3
   * additional checksums, which describe the old bytes, go. Conflict (nothing written) when the
   * object changed since `prepareTailAppend`.
   */
  async commit(body: Readable, versioning: boolean): Promise<StoredObject> {
    const { context, home } = this;
    const { bucket, name } = this.request;
    const spoolPath = workFilePath(home.path, bucket, 'tail');
    try {
      await makeDirectories(context.disk, dirname(spoolPath));
      const spool = await context.disk.open(spoolPath, 'wx+');
      try {
        const length = await writeBody(body, spool);
        return await context.locks.withWriteLock(lockKeyOf(bucket, name, 'ob'), () =>
          this.#writeLocked(spool, length, versioning),
        );
      } finally {
        await spool.close();
      }
    } catch (error) {
      context.faults.report(error, home.path);
      throw toStorageError(error, home.path);
    } finally {
      await removeFileQuietly(context.disk, spoolPath).catch(() => undefined);
    }
  }

  async #writeLocked(spool: DiskFile, length: number, versioning: boolean): Promise<StoredObject> {
    const { context } = this;
    const { bucket, name, offsetBytes } = this.request;
    const replica = await findReplica(context, bucket, name);
    if (replica === undefined) throw objectNotFound(context.nodeId, bucket, name);
    const path = replica.location.path;
    try {
      if (!sameFile(this.identity, replica.stats) || replica.mountpath !== this.home)
        throw new StoreError(
          'Conflict',
          `${describeObject(bucket, name)} changed while an append was prepared: nothing was appended, retry`,
        );
    } finally {
      await replica.handle.close();
    }
    const oldSize = Number(this.identity.size);
    const undo: UndoRecord = {
      path,
      offsetBytes,
      sizeBytes: oldSize,
      modifiedTimeMs: Number(this.identity.mtimeNs / 1_000_000n),
    };
    const undoPath = await this.#writeUndoRecord(undo);
    const fsync = context.options.fsyncObjects;
    const file = await context.disk.open(path, openFlags.writeNoFollow);
    let committed = false;
    try {
      let end = offsetBytes + (await this.#copy(spool, length, file));
      // The new size never equals the old one: that is how an undo record tells an append that
      // committed from one that did not. A zero block after the end blocks is still a valid tar.
      if (end === oldSize) end += await this.#write(file, paddingBlock, end);
      await file.truncate(end);
      const metadata = this.#newRecord(end, versioning);
      if (fsync) await file.sync();
      await writeFileMetadata(context.disk, file, metadata);
      if (fsync) await file.sync();
      committed = true;
      const stats = await file.stat({ bigint: true });
      return toStoredObject(bucket, name, metadata, stats, this.home);
    } finally {
      await file.close();
      if (!committed) await undoAppend(context.disk, undo, fsync);
      // A record that could not be removed is harmless: start-up finds the new size and keeps it.
      await removeFileQuietly(context.disk, undoPath).catch(() => undefined);
    }
  }

  async #writeUndoRecord(record: UndoRecord): Promise<string> {
    const { disk, options, syncs } = this.context;
    const path = workFilePath(this.home.path, this.request.bucket, 'undo');
    const file = await disk.open(path, 'wx');
    try {
      await file.writeFile(encodeUndoRecord(record));
      if (options.fsyncObjects) await file.sync();
    } finally {
      await file.close();
    }
    if (options.fsyncObjects) await syncs.sync(dirname(path));
    return path;
  }

  /** Copies the spooled bytes to the object from the tail's offset, hashing them; their count. */
  async #copy(spool: DiskFile, length: number, file: DiskFile): Promise<number> {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    let copied = 0;
    while (copied < length) {
      const { bytesRead } = await spool.read(
        buffer,
        0,
        Math.min(chunkBytes, length - copied),
        copied,
      );
      if (bytesRead === 0) throw new Error(`work file ended after ${copied} of ${length} bytes`);
      copied += await this.#write(
        file,
        buffer.subarray(0, bytesRead),
        this.request.offsetBytes + copied,
      );
    }
    return copied;
  }

  async #write(file: DiskFile, bytes: Buffer, position: number): Promise<number> {
    for (let done = 0; done < bytes.length;) {
      const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
    this.hasher.update(bytes);
    return bytes.length;
  }

  #newRecord(sizeBytes: number, versioning: boolean): ObjectMetadata {
    const metadata: ObjectMetadata = {
      ...this.metadata,
      size: sizeBytes,
      checksum: { type: this.hasher.type, value: this.hasher.digest() },
    };
    delete metadata.etag;
    delete metadata.extraChecksums;
    if (versioning) metadata.version = nextVersion(this.metadata.version);
    else delete metadata.version;
    return metadata;
  }
}

function sameFile(expected: FileIdentity, stats: Pick<FileIdentity, keyof FileIdentity>): boolean {
  return (
    expected.dev === stats.dev &&
    expected.ino === stats.ino &&
    expected.size === stats.size &&
    expected.mtimeNs === stats.mtimeNs &&
    expected.ctimeNs === stats.ctimeNs
  );
}

/** As a PUT numbers versions: the previous plus one, "1" when there is no integer version. */
function nextVersion(previous: string | undefined): string {
  const number = previous === undefined ? NaN : Number(previous);
  return Number.isSafeInteger(number) && number >= 0 ? String(number + 1) : '1';
}
