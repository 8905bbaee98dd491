// ZIP, read with yauzl from the archive's bytes by range (the central directory first, then each
// file where the directory says it is) and written with yazl as a stream (sizes in data
// descriptors after each file, so nothing is known in advance).
import { PassThrough, pipeline, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { badRequest } from '../errors/index.js';
import type { ArchiveBody, ArchiveEntry, ArchiveSource } from './archive-source.js';
import { MemoryChunks } from '../util/streams/memory-body.js';

/** Reads of at most this many bytes (central-directory records, local headers) are windowed. */
const smallReadBytes = 64 * 1024;
/** One range read of the source serves the small reads that fall inside it. */
const windowBytes = 256 * 1024;

/**
 * yauzl's view of the archive: every read is a range of the source. yauzl reads the central
 * directory a record at a time (two or three small reads per file): those are served from a
 * window read once, so listing a zip of thousands of files costs a few range reads, not thousands.
 */
class SourceReader extends yauzl.RandomAccessReader {
  #window: { start: number; data: Buffer } | undefined;

  constructor(private readonly source: ArchiveSource) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    // yauzl's `end` is exclusive; an empty range is an empty stream.
    if (end <= start) {
      out.end();
      return out;
    }
    // yauzl reads where the archive's own records point: one past the end is a corrupt zip (a
    // 400 from archiveEntries), not the client's range (a read of the source would answer 416).
    if (end > this.source.size) {
      out.destroy(new Error(`a record at ${start}-${end} is past the end (${this.source.size})`));
      return out;
    }
    if (end - start <= smallReadBytes) {
      this.#windowed(start, end).then(
        (data) => out.end(data),
        (error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))),
      );
      return out;
    }
    this.source.read(start, end - 1).then(
      (stream) =>
        pipeline(stream, out, (error) => {
          if (error) out.destroy(error);
        }),
      (error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))),
    );
    return out;
  }

  async #windowed(start: number, end: number): Promise<Buffer> {
    const window = this.#window;
    if (window === undefined || start < window.start || end > window.start + window.data.length) {
      const last = Math.min(this.source.size, Math.max(end, start + windowBytes)) - 1;
      const chunks: Buffer[] = [];
      for await (const chunk of await this.source.read(start, last)) chunks.push(chunk as Buffer);
      this.#window = { start, data: Buffer.concat(chunks) };
    }
    const current = this.#window as { start: number; data: Buffer };
    return current.data.subarray(start - current.start, end - current.start);
  }
}

function openZip(source: ArchiveSource): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      new SourceReader(source),
      source.size,
      { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: true },
      (error, zip) => {
        if (error) reject(error);
        else resolve(zip);
      },
    );
  });
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry): void => {
      cleanup();
      resolve(entry);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/**
 * The files of a zip archive, in central-directory order. Only the files `open` accepts have their
 * bodies opened (a range read each); the others carry empty streams never to be read, so finding
 * one file reads the central directory and that file only.
 */
export async function* readZipEntries(
  source: ArchiveSource,
  open: (name: string) => boolean,
): AsyncGenerator<ArchiveEntry> {
  const zip = await openZip(source);
  try {
    for (let entry = await nextEntry(zip); entry !== undefined; entry = await nextEntry(zip)) {
      if (entry.fileName.endsWith('/')) continue;
      const opened = open(entry.fileName);
      const body = opened ? await zip.openReadStreamPromise(entry) : new PassThrough().end();
      yield { name: entry.fileName, size: entry.uncompressedSize, body };
      if (opened && !body.readableDidRead) body.destroy();
    }
  } finally {
    zip.close();
  }
}

/** A zip archive being written: files are added one at a time, in order. */
export class ZipWriter {
  readonly #zip = new yazl.ZipFile();
  readonly output: Readable = this.#zip.outputStream as Readable;
  /** Rejecters of the adds whose bodies are not all in yet. */
  readonly #pending = new Set<(error: Error) => void>();
  /** yazl's error, once it failed: a later add would wait for ever on a zip that writes no more. */
  #failed: Error | undefined;

  constructor() {
    // yazl reports a body of another length than announced on the ZipFile, not on its output: with
    // nobody listening that 'error' ended the process. The archive fails instead (never a zip
    // that looks complete without that file), and so does every add still waiting or to come.
    this.#zip.on('error', (error: Error) => {
      this.#failed = error;
      for (const reject of this.#pending) reject(error);
      this.output.destroy(error);
    });
  }

  /** Adds a file of exactly `size` bytes; resolves when all of `body` is in the archive. */
  add(name: string, size: number, files: ArchiveBody, modifiedMs: number): Promise<void> {
    const body = Array.isArray(files) ? new MemoryChunks(files) : (files as Readable);
    return new Promise((resolve, reject) => {
      if (this.#failed !== undefined) {
        body.resume(); // never read: drained, not destroyed (it may be the client's request)
        reject(this.#failed);
        return;
      }
      try {
        this.#zip.addReadStream(body, name, { size, mtime: new Date(modifiedMs), compress: false });
      } catch (error) {
        // yazl refuses names a zip cannot hold (absolute, such as `c:x`): the request's fault.
        // The body, never read, is drained (not destroyed: it may be the client's request).
        body.resume();
        reject(badRequest(`a zip cannot hold a file named "${name}": ${String(error)}`));
        return;
      }
      const settle = (): void => {
        body.off('end', ended);
        body.off('error', failed);
        this.#pending.delete(failed);
      };
      const ended = (): void => {
        settle();
        resolve();
      };
      const failed = (error: Error): void => {
        settle();
        reject(error);
      };
      body.once('end', ended);
      body.once('error', failed);
      this.#pending.add(failed);
    });
  }

  finish(): void {
    this.#zip.end();
  }

  abort(error: Error): void {
    this.output.destroy(error);
  }
}
