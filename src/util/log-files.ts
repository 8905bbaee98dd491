// A node's log files, as AIStore keeps them: every line in `<dir>/cairn.INFO`, warnings and errors
// also in `<dir>/cairn.ERROR`. A file that passes its size limit is renamed `.1` (`.1` becomes `.2`,
// and so on), keeping a bounded number of old files. Writes never block the caller: lines queue in a
// bounded backlog while a file rotates or the disk is slow, and what does not fit is dropped (and
// the number of dropped lines written once there is room again).
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export type LogSeverity = 'INFO' | 'ERROR';

/** Size limits of a node's logs. */
export interface LogFileLimits {
  /** A file rotates once it holds this many bytes. */
  maxFileBytes: number;
  /** Rotated files kept per severity (older ones are deleted). */
  maxOldFiles: number;
  /** Bytes queued in memory per file (rotation in progress, slow disk); beyond, lines are dropped. */
  maxBacklogBytes: number;
}

export const defaultLogFileLimits: LogFileLimits = Object.freeze({
  maxFileBytes: 8 * 1024 * 1024,
  maxOldFiles: 4,
  maxBacklogBytes: 4 * 1024 * 1024,
});

/** One log file on disk (for `what=log`): its name, path and size when listed. */
export interface LogFileEntry {
  name: string;
  path: string;
  sizeBytes: number;
  modifiedMs: number;
}

/** The name of a severity's current file; rotated files add `.1`, `.2`, ... */
export function logFileName(severity: LogSeverity): string {
  return `cairn.${severity}`;
}

/** Both files of a node; `write` takes the line and its level. */
export class NodeLogFiles {
  private constructor(
    readonly dir: string,
    private readonly info: RotatingFile,
    private readonly errors: RotatingFile,
  ) {}

  static async open(dir: string, limits: LogFileLimits): Promise<NodeLogFiles> {
    await mkdir(dir, { recursive: true });
    const info = await RotatingFile.open(join(dir, logFileName('INFO')), limits);
    const errors = await RotatingFile.open(join(dir, logFileName('ERROR')), limits);
    return new NodeLogFiles(dir, info, errors);
  }

  write(line: string, level: string): void {
    this.info.write(line);
    if (level === 'warn' || level === 'error') this.errors.write(line);
  }

  /** The current file of a severity. */
  currentPath(severity: LogSeverity): string {
    return join(this.dir, logFileName(severity));
  }

  /** Every file of a severity, oldest first (rotated ones, then the current one). */
  async list(severity: LogSeverity): Promise<LogFileEntry[]> {
    const base = logFileName(severity);
    const names = (await readdir(this.dir)).filter(
      (name) =>
        name === base || (name.startsWith(`${base}.`) && /^\d+$/.test(name.slice(base.length + 1))),
    );
    const generation = (name: string): number =>
      name === base ? 0 : Number(name.slice(base.length + 1));
    names.sort((a, b) => generation(b) - generation(a));
    const entries: LogFileEntry[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      try {
        const info = await stat(path);
        if (info.isFile())
          entries.push({ name, path, sizeBytes: info.size, modifiedMs: info.mtimeMs });
      } catch {
        // rotated away meanwhile
      }
    }
    return entries;
  }

  async close(): Promise<void> {
    await Promise.all([this.info.close(), this.errors.close()]);
  }
}

/** An append-only file that rotates by size; see the file comment. */
export class RotatingFile {
  #stream: WriteStream | undefined;
  #sizeBytes: number;
  #rotation: Promise<void> | undefined;
  readonly #backlog: string[] = [];
  #backlogBytes = 0;
  #dropped = 0;
  #failed = false;

  private constructor(
    readonly path: string,
    private readonly limits: LogFileLimits,
    sizeBytes: number,
  ) {
    this.#sizeBytes = sizeBytes;
    this.#stream = this.#openStream();
  }

  static async open(path: string, limits: LogFileLimits): Promise<RotatingFile> {
    let sizeBytes = 0;
    try {
      sizeBytes = (await stat(path)).size;
    } catch {
      // a new file
    }
    return new RotatingFile(path, limits, sizeBytes);
  }

  /** Appends a line (with its newline); never blocks, never throws. */
  write(line: string): void {
    if (this.#failed) return;
    const bytes = Buffer.byteLength(line);
    const stream = this.#stream;
    if (this.#rotation !== undefined || stream === undefined) {
      if (this.#backlogBytes + bytes > this.limits.maxBacklogBytes) this.#dropped += 1;
      else {
        this.#backlog.push(line);
        this.#backlogBytes += bytes;
      }
      return;
    }
    if (stream.writableLength + bytes > this.limits.maxBacklogBytes) {
      this.#dropped += 1;
      return;
    }
    if (this.#dropped > 0) this.#append(stream, `(${this.#takeDropped()} log lines dropped)\n`);
    this.#append(stream, line);
    if (this.#sizeBytes >= this.limits.maxFileBytes) this.#rotation = this.#rotate(stream);
  }

  /** Waits for a rotation in progress and for queued lines to reach the file. */
  async close(): Promise<void> {
    while (this.#rotation !== undefined) await this.#rotation;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream !== undefined) await endStream(stream);
  }

  #append(stream: WriteStream, line: string): void {
    stream.write(line);
    this.#sizeBytes += Buffer.byteLength(line);
  }

  #takeDropped(): number {
    const dropped = this.#dropped;
    this.#dropped = 0;
    return dropped;
  }

  /** Closes the full file, shifts the old ones by one, and starts an empty file. */
  async #rotate(full: WriteStream): Promise<void> {
    try {
      await endStream(full);
      const { maxOldFiles } = this.limits;
      if (maxOldFiles === 0) await unlink(this.path).catch(ignoreMissing);
      for (let generation = maxOldFiles - 1; generation >= 0; generation -= 1) {
        const from = generation === 0 ? this.path : `${this.path}.${generation}`;
        await rename(from, `${this.path}.${generation + 1}`).catch(ignoreMissing);
      }
    } catch {
      // Renaming failed (the directory is gone?): keep appending to whatever file is there.
    }
    this.#sizeBytes = 0;
    const next = this.#openStream();
    this.#stream = next;
    this.#rotation = undefined;
    if (this.#dropped > 0) this.#append(next, `(${this.#takeDropped()} log lines dropped)\n`);
    // Queued lines fill the new file up to its limit; the rest waits for the next rotation, so
    // no file passes its limit by more than one line.
    let taken = 0;
    for (const line of this.#backlog) {
      if (this.#sizeBytes >= this.limits.maxFileBytes) break;
      this.#backlogBytes -= Buffer.byteLength(line);
      this.#append(next, line);
      taken += 1;
    }
    this.#backlog.splice(0, taken);
    if (this.#sizeBytes >= this.limits.maxFileBytes) this.#rotation = this.#rotate(next);
  }

  #openStream(): WriteStream {
    const stream = createWriteStream(this.path, { flags: 'a' });
    stream.on('error', (error) => {
      // A log that cannot be written must not take the node down: stderr still has every line.
      if (!this.#failed)
        process.stderr.write(
          `log file ${this.path} failed, not written any more: ${error.message}\n`,
        );
      this.#failed = true;
    });
    return stream;
  }
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableFinished) resolve();
    else stream.end(() => resolve());
  });
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
