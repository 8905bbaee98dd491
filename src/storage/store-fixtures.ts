// Fixtures for the store's unit tests: temporary mountpaths, bodies as streams, draining streams,
// damaged bytes. Test support: it sets up and damages files directly, not through the disk seam.
import { copyFile, mkdtemp, open, rename, rm } from 'node:fs/promises';
import { getAttribute, setAttribute } from 'fs-xattr';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { ChunkedBody } from './multipart/chunked-body.js';
import { checkFileStates, localDisk, ObjectBody, type Disk } from './io/index.js';
import type { BucketJson } from '../wire/index.js';
import { LocalStore, type LocalStoreOptions } from './local-store.js';
import { metadataAttributeName } from './meta/index.js';
import type { StorageOptions, StoredObject } from './store-types.js';

export const testBucket: BucketJson = { name: 'bucket', provider: 'ais' };

export const testStorageOptions: StorageOptions = {
  fsyncObjects: false,
  verifyInMemoryMaxBytes: 64 * 1024,
  readChunkBytes: 16 * 1024,
};

/** A fresh directory under the OS temp dir; remove it with `removeTemporaryDirectory`. */
export function makeTemporaryDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cairn-storage-'));
}

export function removeTemporaryDirectory(directory: string): Promise<void> {
  return rm(directory, { recursive: true, force: true });
}

/** Opens a store over `count` mountpaths `<root>/mp<i>` (with `seams`: a disk or clock of the test's). */
export function openTestStore(
  root: string,
  count = 1,
  storage: Partial<StorageOptions> = {},
  nodeId = 'target-1',
  seams: Pick<LocalStoreOptions, 'disk' | 'clock'> = {},
): Promise<LocalStore> {
  const mountpaths = Array.from({ length: count }, (_, index) => join(root, `mp${index}`));
  return LocalStore.open({
    nodeId,
    mountpaths,
    storage: { ...testStorageOptions, ...storage },
    ...seams,
  });
}

/** Stores `data` as object `name` of `bucket` (xxhash, no versioning): a test's object to find again. */
export function putData(
  store: LocalStore,
  bucket: BucketJson,
  name: string,
  data: Buffer | string,
): Promise<StoredObject> {
  return store.putObject({
    bucket,
    name,
    body: bodyOf(data),
    checksumType: 'xxhash',
    versioning: false,
  });
}

/** Stores `data` as object `name` of the test bucket; resolves with its file's path. */
export async function putObjectFile(
  store: LocalStore,
  name: string,
  data: Buffer | string,
): Promise<string> {
  const stored = await putData(store, testBucket, name, data);
  return join(stored.mountpath, '@ais/bucket/%ob', name);
}

/** A request body: the bytes in chunks of at most `chunkBytes`. */
export function bodyOf(data: Buffer | string, chunkBytes = 7_000): Readable {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    chunks.push(bytes.subarray(offset, offset + chunkBytes));
  }
  return Readable.from(chunks, { objectMode: false });
}

/**
 * Reads a body (through `sendTo` into a sink that copies each chunk, as a socket does) or a stream
 * to the end.
 */
export async function readAll(source: Readable | ObjectBody | ChunkedBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (source instanceof ObjectBody || source instanceof ChunkedBody) {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
    await source.sendTo(sink);
    return Buffer.concat(chunks);
  }
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Deterministic pseudo-random bytes (a test's data should not depend on the run). */
export function patternBytes(length: number, seed = 1): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** Flips every bit of the byte at `position` (bitrot that any checksum notices). */
export async function flipByte(path: string, position: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

/**
 * The local disk, noting the files the store opens or reads in one job (`reads`) and the paths
 * it stats (`stats`: a `stat`, or a content check's `checkFileStates` or stat-only read), so a
 * test can tell a read from memory from one from disk.
 */
export function countingDisk(): { disk: Disk; reads: string[]; stats: string[] } {
  const reads: string[] = [];
  const stats: string[] = [];
  const disk: Disk = {
    ...localDisk,
    readSmallFile: (path, request) => {
      if (request.attribute === '' && request.buffer === undefined) stats.push(path);
      else reads.push(path);
      return localDisk.readSmallFile(path, request);
    },
    readFirstFile: (paths, request) => {
      reads.push(...paths);
      return localDisk.readFirstFile(paths, request);
    },
    checkFileStates: (paths, states) => {
      stats.push(...paths);
      return checkFileStates(paths, states);
    },
    open: (path, flags, mode) => {
      reads.push(path);
      return localDisk.open(path, flags, mode);
    },
    stat: ((path: string, options?: { bigint: true }) => {
      stats.push(path);
      return options === undefined ? localDisk.stat(path) : localDisk.stat(path, options);
    }) as Disk['stat'],
  };
  return { disk, reads, stats };
}

/**
 * Puts another inode at `path` behind the store's back: a copy of the object file `from` with its
 * metadata record, staged at `staging` and renamed over `path` (what an outside tool's rewrite
 * looks like to the caches).
 */
export async function replaceBehindStore(
  from: string,
  path: string,
  staging: string,
): Promise<void> {
  await copyFile(from, staging);
  await setAttribute(
    staging,
    metadataAttributeName,
    await getAttribute(from, metadataAttributeName),
  );
  await rename(staging, path);
}
