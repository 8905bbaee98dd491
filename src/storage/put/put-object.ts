// The PUT transaction: stream the body into a work file while hashing, verify length and client
// checksum, then commit under the object's write lock (put-commit.ts: the record, the rename into
// place). An object of a known small size is received whole and committed in one disk job.
import { dirname } from 'node:path';
import { createHasher, type Hasher } from '../../checksum/index.js';
import { badRequest, checksumMismatch, hasErrnoCode } from '../../errors/index.js';
import { invariant } from '../../util/assert.js';
import type { BufferPool } from '../../util/buffer-pool.js';
import { takeLease, type BytesLease } from '../../util/streams/memory-body.js';
import type { ChecksumTypeName } from '../../wire/index.js';
import {
  gatherBody,
  minWriteBytes,
  writeNewFileButTail,
  makeDirectories,
  removeFileQuietly,
  toStorageError,
  type DiskFile,
  type WrittenFile,
} from '../io/index.js';
import {
  contentDirectory,
  longestVersionId,
  isNaturallyStorable,
  maxObjectNameBytes,
  validateObjectName,
  workFilePath,
} from '../layout/index.js';
import { encodeObjectMetadata, metadataAttributeName, type ObjectMetadata } from '../meta/index.js';
import { removeChunkSet } from '../multipart/chunk-sets.js';
import { objectDestination } from '../object-placement.js';
import {
  describeObject,
  lockKeyOf,
  mountpathsFor,
  toStoredObject,
  unameOf,
  type StoreContext,
} from '../store-context.js';
import type { PutObjectRequest, StoredObject } from '../store-types.js';
import type { NumberedVersion } from '../versions/version-numbers.js';
import {
  applyAttributes,
  checkAndNumber,
  commit,
  numberAsNew,
  placeWorkFile,
  replacedChunksOf,
  type Transaction,
} from './put-commit.js';

// Used to size-check metadata before any byte is written: versions are integer strings.
const longestVersion = String(Number.MAX_SAFE_INTEGER);
// ETag and additional checksum are added after the body: the limit check reserves room for them.
const longestEtag = `${'0'.repeat(32)}-10000`;
const longestChecksum = `${'A'.repeat(44)}-10000`;

/** The record `putObject` checks the size of: every field the commit may add at its longest. */
function asLargestRecord(metadata: ObjectMetadata, name: string): ObjectMetadata {
  return {
    ...metadata,
    name,
    version: longestVersion,
    versionId: longestVersionId,
    versionStamp: Number.MAX_SAFE_INTEGER,
    etag: longestEtag,
    extraChecksums: { sha256: longestChecksum },
  };
}

/**
 * Whether a record holds fields of a size the client chooses (beyond the name, which
 * `validateObjectName` bounds). Without them the size check cannot fail (checked below, once, on
 * the largest such record), and a PUT skips it: an encode of its own per PUT.
 */
function hasClientSizedFields(metadata: ObjectMetadata): boolean {
  return (
    Object.keys(metadata.customMetadata).length > 0 ||
    metadata.contentHeaders !== undefined ||
    metadata.tags !== undefined ||
    metadata.chunks !== undefined
  );
}

/** The largest record without client-sized fields: `encodeObjectMetadata` throws if it is too large. */
export const largestFixedRecordBytes = encodeObjectMetadata(
  asLargestRecord(
    {
      size: Number.MAX_SAFE_INTEGER,
      checksum: { type: 'sha512', value: '' },
      customMetadata: {},
      copies: [],
      flags: 0xffffffff,
      retention: { mode: 'COMPLIANCE', untilMs: Number.MAX_SAFE_INTEGER },
      legalHold: true,
      deleteMarker: true,
    },
    '\u{10FFFF}'.repeat(maxObjectNameBytes / 4),
  ),
).length;

/** Stores an object atomically: readers see the previous object or the new one, never a mix. */
export async function putObject(
  context: StoreContext,
  request: PutObjectRequest,
): Promise<StoredObject> {
  const { bucket, name } = request;
  const type = request.contentType ?? 'ob';
  validateObjectName(name);
  const uname = unameOf(bucket, name);
  const [home] = mountpathsFor(context, uname);
  invariant(home !== undefined, 'mountpathsFor returns the home mountpath first');
  invariant(request.migration === undefined || !request.versioning, 'a migration keeps versions');
  const metadata: ObjectMetadata = {
    size: 0,
    checksum: { type: request.chunked === undefined ? request.checksumType : 'none', value: '' },
    customMetadata: { ...request.customMetadata },
    copies: [],
    flags: 0,
  };
  if (request.contentHeaders !== undefined) metadata.contentHeaders = { ...request.contentHeaders };
  if (request.tags !== undefined) metadata.tags = { ...request.tags };
  if (request.retention !== undefined) metadata.retention = { ...request.retention };
  if (request.legalHold === true) metadata.legalHold = true;
  if (request.chunked !== undefined) metadata.chunks = request.chunked.chunks;
  if (request.version !== undefined) metadata.version = request.version;
  if (!isNaturallyStorable(name, contentDirectory(home.path, bucket, type))) metadata.name = name;
  if (request.migration?.version !== undefined) metadata.version = request.migration.version;
  if (request.attributes !== undefined) applyAttributes(metadata, request.attributes);
  // Whether a name ends up hashed can depend on the directory state (collisions), so the limit is
  // checked as if it were: the outcome of a PUT never depends on which other objects exist.
  if (hasClientSizedFields(metadata)) encodeObjectMetadata(asLargestRecord(metadata, name));

  const workPath = workFilePath(home.path, bucket, type === 'ob' ? 'put' : 'slice');
  const { disk } = context;
  let handle: DiskFile | undefined;
  try {
    const smallWrite = smallWriteOf(request);
    if (smallWrite !== undefined) {
      const content = await receiveSmallBody(request, metadata, context.buffers, smallWrite);
      try {
        return await putSmallObject(
          context,
          { context, request, home, workPath, metadata },
          content.bytes,
        );
      } finally {
        // The write's job has ended: nothing refers to the bytes any more.
        content.release();
      }
    }
    const caughtUp = request.offloadDigests?.();
    // The work file is created with the body's first write (one job): kept here, so that the
    // `finally` below closes it whatever fails after.
    const create = async (content: readonly Buffer[]): Promise<DiskFile> =>
      (handle = await openWorkFile(context, workPath, content));
    // The body's last bytes are written by the commit's job (one hand-off less).
    let tail: Buffer[] = [];
    await receiveBody(request, metadata, async (hashers) => {
      const options = { limitBytes: request.contentLength, hashers, caughtUp };
      const held = await writeNewFileButTail(request.body, create, options);
      tail = held.tail;
      return held.bytes;
    });
    invariant(handle !== undefined, 'the body writer created the work file');
    const transaction: Transaction = { context, request, home, workPath, handle, metadata, tail };
    if (request.migration !== undefined) {
      // The middle of the millisecond, as before (seconds as a double read back as x.1229999 s).
      const { modifiedTimeMs } = request.migration;
      transaction.times = {
        accessNs: BigInt(Math.floor(context.clock.nowMs())) * 1_000_000n,
        modifiedNs: BigInt(Math.floor(modifiedTimeMs)) * 1_000_000n + 500_000n,
      };
    }
    const outcome = await context.locks.withWriteLock(lockKeyOf(bucket, name, type), () =>
      commit(transaction),
    );
    if (outcome.kept !== undefined) {
      await removeFileQuietly(disk, workPath);
      return outcome.kept;
    }
    const unused = [transaction.replacedChunks, ...(transaction.obsoleteChunks ?? [])];
    for (const chunks of new Set(unused)) {
      if (chunks !== undefined && chunks !== metadata.chunks) {
        await removeChunkSet(context, bucket, chunks);
      }
    }
    if (context.options.fsyncObjects) {
      for (const directory of outcome.directoriesToSync) await context.syncs.sync(directory);
    }
    // The work file's inode is now the object: its stat is the object's.
    const stats = outcome.stats ?? (await handle.stat({ bigint: true }));
    return toStoredObject(bucket, name, metadata, stats, home);
  } catch (error) {
    context.faults.report(error, home.path);
    await removeFileQuietly(disk, workPath).catch(() => undefined);
    throw toStorageError(error, home.path);
  } finally {
    await handle?.close();
  }
}

/**
 * Objects up to this size (with a declared length) are received whole and written in one job
 * (`Disk.writeSmallFile`): work file, bytes, record, rename. Bounded, like a socket read's buffer.
 */
const smallObjectBytes = 64 * 1024;

/** The most a request that asks to be received whole (`receiveWhole`) may bring. */
export const wholeBodyMaxBytes = 1024 * 1024;

/**
 * How a write takes the one-job path, if it does: an object, EC piece or metafile of a known size
 * whose record the commit writes (no migration, import, chunks or kept history, which place files
 * their own way). `whole`: a small one (or one in memory, or bounded by the caller), gathered into
 * one buffer. `chunks`: a streamed body up to `minWriteBytes` (512 KiB), kept as the socket's
 * chunks (no copy) and written gathered with its create and commit: one pool job where streaming
 * took two (the create with everything once the body ended, then the commit), no overlap lost
 * (streaming holds that much before its first write too). A longer body streams: its first write
 * runs while the rest arrives (a 1 MiB body taken whole was slower, docs/profiling.md, tenth
 * pass). A body whose digests go to the pool (`offloadDigests`, S3's MD5) streams too.
 */
function smallWriteOf(request: PutObjectRequest): 'whole' | 'chunks' | undefined {
  const length = request.contentLength;
  if (
    length === undefined ||
    request.migration !== undefined ||
    request.chunked !== undefined ||
    request.attributes !== undefined ||
    request.history !== undefined
  )
    return undefined;
  if (
    length <= smallObjectBytes ||
    request.verifiedSource?.inMemory === true ||
    (request.receiveWhole === true && length <= wholeBodyMaxBytes)
  )
    return 'whole';
  return length <= minWriteBytes && request.offloadDigests === undefined ? 'chunks' : undefined;
}

/** A body received as the chunks it came in (`receiveSmallBody`'s `chunks`). */
interface ChunksLease {
  readonly bytes: Buffer[];
  readonly release: () => void;
}

/**
 * Receives a small body whole (at most its declared length), checked as `receiveBody` checks. A
 * body in memory already (a copy's source, read whole) comes with its pooled buffer's release:
 * released once written, the buffer serves the next read instead of becoming 1 MiB of garbage. A
 * body above the small size received whole (`receiveWhole`) is gathered into a buffer of `pool`
 * for the same reason, when it fits one. A body received as `chunks` stays the chunks it came in.
 */
async function receiveSmallBody(
  request: PutObjectRequest,
  metadata: ObjectMetadata,
  pool: BufferPool,
  kind: 'whole' | 'chunks',
): Promise<BytesLease | ChunksLease> {
  const limit = request.contentLength ?? smallObjectBytes;
  const lease = takeLease(request.body);
  const body = lease === undefined ? (request.body as AsyncIterable<Buffer>) : [lease.bytes];
  const pooled =
    kind === 'whole' && lease === undefined && limit > smallObjectBytes && limit <= pool.bufferBytes
      ? pool.acquire()
      : undefined;
  if (kind === 'chunks' && lease === undefined) {
    let chunks: Buffer[] = [];
    await receiveBody(request, metadata, async (hashers) => {
      chunks = await gatherBody(request.body, limit, hashers);
      return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    });
    return { bytes: chunks, release: () => undefined };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    await receiveBody(request, metadata, async (hashers) => {
      for await (const chunk of body) {
        if (total + chunk.length > limit)
          throw badRequest(`content length mismatch: body longer than the declared ${limit} bytes`);
        for (const hasher of hashers) hasher.update(chunk);
        if (pooled === undefined) chunks.push(chunk);
        else chunk.copy(pooled, total);
        total += chunk.length;
      }
      return total;
    });
  } catch (error) {
    lease?.release();
    if (pooled !== undefined) pool.release(pooled);
    throw error;
  }
  if (pooled !== undefined)
    return { bytes: pooled.subarray(0, total), release: () => pool.release(pooled) };
  if (kind === 'chunks') return { bytes: chunks, release: lease?.release ?? (() => undefined) };
  const [only] = chunks;
  const bytes = chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks, total);
  return { bytes, release: lease?.release ?? (() => undefined) };
}

/**
 * The commit of a small object: under the write lock, as `commit` does, but the work file is
 * created, written, given its record and renamed onto the object's path in one job. When that
 * rename fails (a new directory, a collision) the finished work file is placed as any other.
 */
async function putSmallObject(
  context: StoreContext,
  parts: Omit<Transaction, 'handle'>,
  content: Buffer | readonly Buffer[],
): Promise<StoredObject> {
  const { request, home, workPath, metadata } = parts;
  const { bucket, name } = request;
  const type = request.contentType ?? 'ob';
  const { disk } = context;
  let handle: DiskFile | undefined;
  try {
    const outcome = await context.locks.withWriteLock(lockKeyOf(bucket, name, type), async () => {
      const { path: destination, hashedPath } = objectDestination(home.path, bucket, name, type);
      if (destination === hashedPath) metadata.name = name;
      /** The write as `numbered` says; undefined when a path of `absent` exists (nothing done). */
      const writeAs = async (numbered: NumberedVersion | undefined, absent?: string[]) => {
        if (numbered !== undefined) metadata.version = numbered.version;
        const replacedChunks = await replacedChunksOf(disk, destination, type, numbered?.previous);
        const write = (): Promise<WrittenFile | undefined> =>
          disk.writeSmallFile(workPath, {
            content,
            attribute: metadataAttributeName,
            record: encodeObjectMetadata(metadata),
            destination,
            sync: context.options.fsyncObjects,
            // As `placeObjectFile`: a stale hashed copy of a name now stored naturally goes (in the
            // same job: an unlink of its own cost a PUT that replaced an object a hand-off).
            supersedes:
              destination !== hashedPath && numbered?.previous !== 'none' ? hashedPath : undefined,
            absent,
          });
        const written = await write().catch(async (error: unknown) => {
          if (!hasErrnoCode(error, 'ENOENT') || (error as NodeJS.ErrnoException).syscall !== 'open')
            throw error;
          await makeWorkDirectory(context, workPath);
          return await write();
        });
        return written === undefined ? undefined : { numbered, replacedChunks, written };
      };
      // A name taken to be new skips the lookup's job: its write checks that no replica exists.
      const asNew = numberAsNew(context, request);
      const attempt =
        (asNew === undefined ? undefined : await writeAs(asNew.numbered, asNew.absent)) ??
        (await writeAs(await checkAndNumber(context, request)));
      invariant(attempt !== undefined, 'a write that checks no path always happens');
      const { numbered, replacedChunks, written } = attempt;
      if (written.renameError === undefined) {
        return { replacedChunks, stats: written.stats, directoriesToSync: [dirname(destination)] };
      }
      handle = await disk.open(workPath, 'r');
      const transaction: Transaction = { ...parts, handle, replacedChunks };
      const directoriesToSync = await placeWorkFile(
        transaction,
        type,
        numbered?.previous === 'none',
      );
      return { replacedChunks, stats: await handle.stat({ bigint: true }), directoriesToSync };
    });
    if (outcome.replacedChunks !== undefined && outcome.replacedChunks !== metadata.chunks)
      await removeChunkSet(context, bucket, outcome.replacedChunks);
    if (context.options.fsyncObjects) {
      for (const directory of outcome.directoriesToSync) await context.syncs.sync(directory);
    }
    return toStoredObject(bucket, name, metadata, outcome.stats, home);
  } finally {
    await handle?.close();
  }
}

/**
 * Creates a new work file with its first bytes. A new bucket (or one whose %wk start-up removed)
 * has no work directory yet: with fsync on, the directories made for it are fsynced into their
 * parents, since the object's directories will hang below them (only the new ones: once per
 * bucket and mountpath).
 */
async function openWorkFile(
  context: StoreContext,
  workPath: string,
  content: readonly Buffer[],
): Promise<DiskFile> {
  const { disk } = context;
  try {
    return await disk.createFile(workPath, content);
  } catch (error) {
    if (!hasErrnoCode(error, 'ENOENT')) throw error;
    await makeWorkDirectory(context, workPath);
    return await disk.createFile(workPath, content);
  }
}

/** Creates the work file's directory (see `openWorkFile`). */
async function makeWorkDirectory(context: StoreContext, workPath: string): Promise<void> {
  const created = await makeDirectories(context.disk, dirname(workPath));
  if (context.options.fsyncObjects) {
    for (const directory of created) await context.syncs.sync(directory);
  }
}

/**
 * Receives the body through `write` (to the work file, or whole for a small object), which feeds
 * every byte to the hashers; then checks its length and the client's checksum, and completes the
 * record.
 */
async function receiveBody(
  request: PutObjectRequest,
  metadata: ObjectMetadata,
  write: (hashers: Hasher[]) => Promise<number>,
): Promise<void> {
  const expected = request.expectedChecksum;
  // A checksum the reader of a copied object checks the bytes against as they come (a mismatch
  // fails the body before its end) need not be computed again.
  const known = request.verifiedSource?.checksum;
  const types: ChecksumTypeName[] = [request.checksumType];
  if (
    expected !== undefined &&
    expected.type !== 'none' &&
    expected.type !== request.checksumType
  ) {
    types.push(expected.type);
  }
  const hashers = types.filter((type) => type !== known?.type).map(createHasher);
  const bytesWritten = await write(hashers);
  const digestOf = (type: ChecksumTypeName): string =>
    type === known?.type
      ? known.value.toLowerCase()
      : (hashers.find((hasher) => hasher.type === type)?.digest() ?? '');

  const context = describeObject(request.bucket, request.name);
  if (request.contentLength !== undefined && bytesWritten !== request.contentLength) {
    throw badRequest(
      `content length mismatch: received ${bytesWritten} bytes, expected ${request.contentLength} (${context})`,
    );
  }
  if (expected !== undefined && expected.type !== 'none') {
    const actual = digestOf(expected.type);
    if (actual !== expected.value.toLowerCase()) {
      throw checksumMismatch(expected.type, expected.value, actual, context);
    }
  }
  metadata.size = request.chunked?.sizeBytes ?? bytesWritten;
  metadata.checksum.value = request.chunked === undefined ? digestOf(request.checksumType) : '';
  const extra = await request.finish?.();
  if (extra?.etag !== undefined) metadata.etag = extra.etag;
  if (extra?.version !== undefined) metadata.version = extra.version;
  if (extra?.customMetadata !== undefined)
    Object.assign(metadata.customMetadata, extra.customMetadata);
  if (extra?.extraChecksums !== undefined && Object.keys(extra.extraChecksums).length > 0)
    metadata.extraChecksums = { ...extra.extraChecksums };
}
