// `promote`: files below the node's promote root become objects. The gateway first runs the scan
// phase (each target counts and hashes the names it sees), then the share phase (the same files
// everywhere: each target promotes the files it owns by HRW) or the all phase (local disks: each
// target promotes every file it sees, sending each to its owner). Files are streamed, never read
// whole; `ovw` overwrites existing objects (else they are kept), `dls` deletes each promoted file.
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path/posix';
import { Readable } from 'node:stream';
import { badRequest } from '../../errors/index.js';
import type { Logger } from '../../util/log.js';
import { objectUname, type BucketJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';
import { forEachShared } from '../shared-workers.js';
import {
  checkPromoteSource,
  parsePromoteJobArgs,
  promotedName,
  type PromoteArgs,
} from '../promote-message.js';

/** Files each target promotes at once. */
const promoteWorkers = 8;
/** Files up to this size are read whole in one file-system job (one buffer per worker). */
const smallFileBytes = 64 * 1024;
/** Largest safe-integer prefix of a SHA-256 (the snapshot's counters are numbers). */
const hashHexDigits = 12;

class PromoteJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson,
    private readonly args: PromoteArgs,
    private readonly environment: TargetJobEnvironment,
  ) {
    super(id, 'promote', bucket);
  }

  /** Read buffers of small files, reused: at most one per worker. */
  readonly #buffers: Buffer[] = [];

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const { args, environment } = this;
    if (args.tid !== '' && args.tid !== environment.nodeId) return;
    checkPromoteSource(args.src, environment.promoteRoot);
    const stats = await environment.disk.stat(args.src).catch((error: unknown) => {
      throw badRequest(`promote: cannot read "${args.src}": ${String(error)}`);
    });
    // A symbolic link below the root (the source or a directory on its way) may lead out of it.
    const [real, realRoot] = await Promise.all([
      realpath(args.src),
      realpath(environment.promoteRoot),
    ]);
    checkPromoteSource(real, realRoot);
    const isDirectory = stats.isDirectory();
    if (args.phase === 'scan') return this.#scan(isDirectory);
    const map = environment.clusterMap();
    if (map === undefined) throw new Error('no cluster map');
    const bucket = this.bucket as BucketJson;
    // Files are promoted several at a time: each is a handful of file-system calls through the
    // thread pool, and one at a time left the target mostly waiting on them.
    await forEachShared(this.#files(isDirectory), promoteWorkers, signal, async (file) => {
      const name = promotedName(args, file, isDirectory);
      const owner = map.ownerOf(objectUname(bucket, name));
      if (args.phase === 'share' && owner?.id !== environment.nodeId) return;
      await this.#promote(file, bucket, name, log, isDirectory);
    });
  }

  async #scan(isDirectory: boolean): Promise<void> {
    const hash = createHash('sha256');
    let files = 0;
    for await (const file of this.#files(isDirectory)) {
      hash.update(`${file}\n`);
      files += 1;
    }
    this.extraCounters.files = files;
    this.extraCounters['names-hash'] = Number.parseInt(
      hash.digest('hex').slice(0, hashHexDigits),
      16,
    );
  }

  /**
   * A directory's file (a regular file when listed) is read whole when small, else streamed.
   * Without `ovw` an existing object is kept (counted as skipped, its file not deleted).
   */
  async #promote(
    file: string,
    bucket: BucketJson,
    name: string,
    log: Logger,
    listed: boolean,
  ): Promise<void> {
    const stored = listed
      ? await this.#promoteListed(file, bucket, name)
      : await this.#promoteStreamed(file, bucket, name);
    if (!stored) {
      this.extraCounters.skipped = (this.extraCounters.skipped ?? 0) + 1;
      return;
    }
    if (this.args.dls) {
      await this.environment.disk.unlink(file);
      log.info('promote: source file deleted', { job: this.id, file });
    }
  }

  /** Whether the file was stored (else the object existed). */
  async #promoteListed(file: string, bucket: BucketJson, name: string): Promise<boolean> {
    const buffer = this.#buffers.pop() ?? Buffer.allocUnsafe(smallFileBytes);
    // Open, fstat, read and close in one thread-pool job (not following a symbolic link).
    const small = await this.environment.disk.readSmallFile(file, { attribute: '', buffer });
    if (!small.stats.isFile()) throw badRequest(`promote: "${file}" is not a regular file`);
    if (small.readError !== undefined) throw small.readError;
    const { content } = small;
    if (content === undefined || content.length !== Number(small.stats.size)) {
      this.#buffers.push(buffer);
      return await this.#promoteStreamed(file, bucket, name);
    }
    const body = Readable.from([content], { objectMode: false });
    // Without `ovw` the PUT itself keeps an existing object (one lookup, under the write lock): a
    // small body costs nothing to read first.
    const stored = this.args.ovw
      ? await this.#store(bucket, name, body, content.length)
      : await this.#storeNew(bucket, name, body, content.length);
    // Reused only once stored: a failed store may not have finished reading it.
    this.#buffers.push(buffer);
    return stored;
  }

  /** Whether the file was stored; without `ovw`, a large file is not read for an existing object. */
  async #promoteStreamed(file: string, bucket: BucketJson, name: string): Promise<boolean> {
    if (!this.args.ovw && (await this.environment.objectExists(bucket, name))) return false;
    const handle = await this.environment.disk.open(file, 'r');
    try {
      const { size } = await handle.stat();
      return await this.#store(bucket, name, handle.createReadStream({ autoClose: false }), size);
    } finally {
      await handle.close();
    }
  }

  async #storeNew(
    bucket: BucketJson,
    name: string,
    body: Readable,
    size: number,
  ): Promise<boolean> {
    const outcome = await this.environment.storeNewObject(bucket, name, body, size);
    if (outcome.exists) return false;
    this.#count(size, outcome.sentTo);
    return true;
  }

  async #store(bucket: BucketJson, name: string, body: Readable, size: number): Promise<true> {
    this.#count(size, await this.environment.storeObject(bucket, name, body, size));
    return true;
  }

  #count(size: number, sentTo: string | undefined): void {
    this.counters.localObjects += 1;
    this.counters.localBytes += size;
    if (sentTo !== undefined) {
      this.counters.outObjects += 1;
      this.counters.outBytes += size;
    }
  }

  /** The source's regular files, in name order (subdirectories with `rcr`). */
  async *#files(isDirectory: boolean): AsyncGenerator<string> {
    if (!isDirectory) {
      yield this.args.src;
      return;
    }
    const pending = [this.args.src];
    for (let directory = pending.shift(); directory !== undefined; directory = pending.shift()) {
      const entries = await this.environment.disk.readdir(directory, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const path = join(directory, entry.name);
        if (entry.isFile()) yield path;
        else if (entry.isDirectory() && this.args.rcr) pending.push(path);
      }
    }
  }
}

export const promoteDefinition: JobDefinition = {
  kind: { name: 'promote', startable: false, bucketScoped: true, exclusive: false },
  create(request, environment) {
    if (request.bucket === undefined) throw new Error('promote needs a bucket');
    return new PromoteJob(
      request.id,
      request.bucket,
      parsePromoteJobArgs(request.args),
      environment,
    );
  },
};
