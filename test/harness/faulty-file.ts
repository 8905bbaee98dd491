// An open file of the faulty disk: every call passes the fault plan (by the path it was opened at,
// and its inode), writes take from the space budget and may be torn, and the durability journal
// learns what was written and what was fsynced.
import { Readable } from 'node:stream';
import type { BigIntStats, DiskFile, FileStreamOptions, Stats } from '../../src/storage/index.js';
import type { InodeKey } from './durability-journal.js';
import type { DiskOperation, FaultPlan } from './fault-plan.js';

export class FaultyFile implements DiskFile {
  #inode: InodeKey | undefined;

  constructor(
    readonly plan: FaultPlan,
    readonly inner: DiskFile,
    /** The path it was opened at (faults match it even after a rename). */
    readonly path: string,
  ) {}

  get fd(): number {
    return this.inner.fd;
  }

  /** `dev:ino` of the open file (from fstat, once). */
  async inode(): Promise<InodeKey> {
    if (this.#inode === undefined) {
      const stats = await this.inner.stat({ bigint: true });
      this.#inode = `${stats.dev}:${stats.ino}`;
    }
    return this.#inode;
  }

  /** Runs the plan for a call on this file. */
  before(operation: DiskOperation): Promise<number | undefined> {
    return this.plan.before(operation, [this.path], () => this.inode());
  }

  /** Before data changes: the journal remembers the size as of the last fsync. */
  async beforeData(): Promise<void> {
    const { journal } = this.plan;
    if (journal === undefined) return;
    const inode = await this.inode();
    if (journal.isDirty(inode)) return;
    const stats = await this.inner.stat();
    journal.beforeData(inode, this.path, stats.size);
  }

  async read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    await this.before('read');
    const result = await this.inner.read(buffer, offset, length, position);
    this.plan.noteRead(this.path, result.bytesRead);
    return result;
  }

  async write(
    buffer: Buffer,
    offset: number,
    length: number,
    position?: number | null,
  ): Promise<{ bytesWritten: number }> {
    const torn = await this.before('write');
    await this.beforeData();
    const allowed = this.plan.takeSpace('write', this.path, length);
    if (torn !== undefined) {
      await this.inner.write(buffer, offset, Math.min(torn, allowed), position);
      return { bytesWritten: length };
    }
    return await this.inner.write(buffer, offset, allowed, position);
  }

  async writev(buffers: readonly Buffer[], position?: number): Promise<{ bytesWritten: number }> {
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    const torn = await this.before('write');
    await this.beforeData();
    const allowed = this.plan.takeSpace('write', this.path, total);
    if (torn === undefined && allowed === total) {
      return await this.inner.writev(buffers, position);
    }
    const kept = Buffer.concat(buffers).subarray(0, Math.min(torn ?? allowed, allowed));
    await this.inner.write(kept, 0, kept.length, position);
    return { bytesWritten: torn === undefined ? allowed : total };
  }

  async writeFile(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    for (let offset = 0; offset < bytes.length;) {
      const { bytesWritten } = await this.write(bytes, offset, bytes.length - offset);
      if (bytesWritten === 0) throw new Error('write made no progress');
      offset += bytesWritten;
    }
  }

  async sync(): Promise<void> {
    await this.before('sync');
    await this.inner.sync();
    this.plan.journal?.fileSynced(await this.inode());
  }

  stat(options: { bigint: true }): Promise<BigIntStats>;
  stat(): Promise<Stats>;
  async stat(options?: { bigint: true }): Promise<BigIntStats | Stats> {
    await this.before('stat');
    return options === undefined ? await this.inner.stat() : await this.inner.stat(options);
  }

  async utimes(atime: number, mtime: number): Promise<void> {
    await this.before('utimes');
    await this.inner.utimes(atime, mtime);
  }

  async truncate(length: number): Promise<void> {
    await this.before('write');
    await this.inner.truncate(length);
  }

  /** Reads through `read` (so faults apply), as Node's stream over a FileHandle would. */
  createReadStream(options: FileStreamOptions): Readable {
    const readAt = (buffer: Buffer, at: number): Promise<{ bytesRead: number }> =>
      this.read(buffer, 0, buffer.length, at);
    const close = (): Promise<void> => this.close();
    let position = options.start ?? 0;
    const end = options.end ?? Number.MAX_SAFE_INTEGER;
    const chunkBytes = options.highWaterMark ?? 64 * 1024;
    return new Readable({
      highWaterMark: chunkBytes,
      read() {
        const length = Math.min(chunkBytes, end - position + 1);
        if (length <= 0) {
          this.push(null);
          return;
        }
        const buffer = Buffer.allocUnsafe(length);
        readAt(buffer, position).then(
          ({ bytesRead }) => {
            position += bytesRead;
            this.push(bytesRead === 0 ? null : buffer.subarray(0, bytesRead));
          },
          (error: unknown) =>
            this.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      },
      destroy(error, callback) {
        if (options.autoClose === false) {
          callback(error);
          return;
        }
        close().then(
          () => callback(error),
          () => callback(error),
        );
      },
    });
  }

  /** Always closes the descriptor (also after a crash: the process would have lost it anyway). */
  async close(): Promise<void> {
    await this.inner.close();
  }
}
