// Appends in progress (AIStore's APPEND): each collects its bytes in a work file
// `%wk/append.<random>.<pid-hex>` on the object's home mountpath, invisible to readers, until the
// caller commits them as the object (a PUT of those bytes) and the file goes, or a sweep removes
// it once abandoned. Start-up removes them with every other work file.
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { StoreError, badRequest, hasErrnoCode } from '../errors/index.js';
import type { BucketJson } from '../wire/index.js';
import {
  writeBody,
  isMissing,
  openFlags,
  toStorageError,
  type Disk,
  type DiskFile,
} from './io/index.js';
import {
  childPath,
  contentDirectory,
  isAppendWorkFile,
  isAppendWorkFileName,
  validateObjectName,
  workFilePath,
} from './layout/index.js';
import { isReadable } from './mountpath/index.js';
import { homeMountpath, unameOf, type StoreContext } from './store-context.js';

/** An append's work file is gone (committed, swept) or was never one of this store's. */
function noSuchAppend(path: string): StoreError {
  return badRequest(`no append in progress at ${path} (flushed, or abandoned and removed)`);
}

export class AppendFiles {
  constructor(private readonly context: () => StoreContext) {}

  /** Starts an append of `name`: an empty work file on the object's home mountpath. */
  async create(bucket: BucketJson, name: string): Promise<string> {
    validateObjectName(name);
    const { disk } = this.context();
    const home = homeMountpath(this.context(), unameOf(bucket, name));
    const path = workFilePath(home.path, bucket, 'append');
    try {
      await disk.mkdir(dirname(path), { recursive: true });
      await (await disk.open(path, 'wx')).close();
    } catch (error) {
      throw toStorageError(error, home.path);
    }
    return path;
  }

  /** True when `path` is an append work file of `bucket` on one of this store's mountpaths. */
  owns(bucket: BucketJson, path: string): boolean {
    return this.context().mountpaths.some((mountpath) =>
      isAppendWorkFile(mountpath.path, bucket, path),
    );
  }

  /**
   * Adds `body` (of `contentLength` bytes when given) at the end of the work file, which must hold
   * `expectedSize` bytes (else the handle is stale: Conflict). A failed append leaves the file as
   * it was. Returns the new size.
   */
  async append(
    bucket: BucketJson,
    path: string,
    body: Readable,
    expected: { sizeBytes: number; contentLength: number | undefined },
  ): Promise<number> {
    return await this.#locked(bucket, path, async () => {
      // Opened without following a link: the path must name the work file itself.
      const handle = await openWorkFile(this.context().disk, path, openFlags.appendNoFollow);
      try {
        const { size } = await handle.stat();
        checkSize(path, size, expected.sizeBytes);
        let bytesWritten: number;
        try {
          bytesWritten = await writeBody(body, handle, { limitBytes: expected.contentLength });
          if (expected.contentLength !== undefined && bytesWritten !== expected.contentLength)
            throw badRequest(
              `content length mismatch: received ${bytesWritten} bytes, expected ${expected.contentLength}`,
            );
        } catch (error) {
          await handle.truncate(size).catch(() => undefined);
          throw error;
        }
        if (this.context().options.fsyncObjects) await handle.sync();
        return size + bytesWritten;
      } catch (error) {
        throw toStorageError(error, dirname(path));
      } finally {
        await handle.close();
      }
    });
  }

  /**
   * Hands the work file's bytes (it must hold `expectedSize`) to `commit`, which stores them as the
   * object; then the file goes. No append can run meanwhile. A failed commit keeps the file.
   */
  async commit<T>(
    bucket: BucketJson,
    path: string,
    expectedSize: number,
    commit: (body: Readable, sizeBytes: number) => Promise<T>,
  ): Promise<T> {
    return await this.#locked(bucket, path, async () => {
      const handle = await openWorkFile(this.context().disk, path, openFlags.noFollow);
      let result: T;
      try {
        const { size } = await handle.stat();
        checkSize(path, size, expectedSize);
        result = await commit(handle.createReadStream({ start: 0, autoClose: false }), size);
      } finally {
        await handle.close();
      }
      await this.context().disk.rm(path, { force: true });
      return result;
    });
  }

  /** Removes the bucket's append work files not written to for longer than `maxAgeMs`. */
  async sweep(bucket: BucketJson, options: { maxAgeMs: number; nowMs: number }): Promise<number> {
    let removed = 0;
    const { disk } = this.context();
    for (const mountpath of this.context().mountpaths.filter(isReadable)) {
      const directory = contentDirectory(mountpath.path, bucket, 'wk');
      let entries: string[];
      try {
        entries = await disk.readdir(directory);
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      for (const entry of entries.filter(isAppendWorkFileName)) {
        const path = childPath(directory, entry);
        const stale = async (): Promise<boolean> => {
          const stats = await disk.lstat(path).catch(() => undefined);
          return stats !== undefined && options.nowMs - stats.mtimeMs > options.maxAgeMs;
        };
        if (!(await stale())) continue;
        // Checked again under the lock: an append may have been running.
        await this.#locked(bucket, path, async () => {
          if (!(await stale())) return;
          await disk.rm(path, { force: true });
          removed += 1;
        });
      }
    }
    return removed;
  }

  async #locked<T>(bucket: BucketJson, path: string, action: () => Promise<T>): Promise<T> {
    if (!this.owns(bucket, path)) throw noSuchAppend(path);
    return await this.context().locks.withWriteLock(`append\u0000${path}`, action);
  }
}

async function openWorkFile(disk: Disk, path: string, flags: number): Promise<DiskFile> {
  try {
    return await disk.open(path, flags);
  } catch (error) {
    if (isMissing(error) || hasErrnoCode(error, 'ELOOP')) throw noSuchAppend(path);
    throw error;
  }
}

function checkSize(path: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new StoreError(
      'Conflict',
      `append at ${path} holds ${actual} bytes, the handle expects ${expected}: a stale handle (use the one the last append returned)`,
    );
  }
}
