// Reading and writing an archive of any supported format: the format's module is picked here,
// and what callers ask of an archive (its file list, one file, the files a matcher selects) is
// answered over that module's entry stream.
import type { Readable } from 'node:stream';
import { badRequest, isStoreError } from '../errors/index.js';
import {
  codecOf,
  formatFromMagic,
  formatFromName,
  magicBytes,
  normalizeFormat,
  type ArchiveFormat,
} from './archive-format.js';
import type {
  ArchiveBody,
  ArchiveEntry,
  ArchiveEntryInfo,
  ArchiveSource,
} from './archive-source.js';
import type { EntryMatcher } from './entry-match.js';
import { readTarEntries, TarWriter, type TarWriterOptions } from './tar-archive.js';
import { readZipEntries, ZipWriter } from './zip-archive.js';

/**
 * The archive's format: `mime` when given (`archmime`), else the object name's extension, else its
 * first bytes. 400 when none of them names a supported format.
 */
export async function detectFormat(
  source: ArchiveSource,
  objectName: string,
  mime: string,
): Promise<ArchiveFormat> {
  if (mime !== '') {
    const format = normalizeFormat(mime);
    if (format === undefined) throw badRequest(`unsupported archive format "${mime}"`);
    return format;
  }
  const byName = formatFromName(objectName);
  if (byName !== undefined) return byName;
  const head = await readHead(source);
  const byMagic = formatFromMagic(head);
  if (byMagic === undefined)
    throw badRequest(`"${objectName}" is not an archive of a supported format`);
  return byMagic;
}

async function readHead(source: ArchiveSource): Promise<Buffer> {
  if (source.size === 0) return Buffer.alloc(0);
  const stream = await source.read(0, Math.min(source.size, magicBytes) - 1);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const everyEntry = (): boolean => true;

/**
 * The files of an archive, in archive order (see readTarEntries for how bodies are read). A zip
 * opens only the bodies `open` accepts (the others are empty); a tar skips what is not read, and
 * reads the small files `inMemory` accepts (by default those `open` does) into memory at once.
 */
export async function* archiveEntries(
  source: ArchiveSource,
  format: ArchiveFormat,
  open: (name: string) => boolean = everyEntry,
  inMemory: (name: string) => boolean = open,
): AsyncGenerator<ArchiveEntry> {
  const codec = codecOf(format);
  try {
    yield* codec === 'zip' ? readZipEntries(source, open) : readTarEntries(source, codec, inMemory);
  } catch (error) {
    // The store's own failures (a missing or corrupt object) keep their meaning; bytes that are
    // not an archive of the format are the request's problem.
    if (isStoreError(error)) throw error;
    throw badRequest(`not a valid ${format} archive: ${String(error)}`, { cause: error });
  }
}

/** Names and sizes of the archive's files, in archive order. */
export async function listArchive(
  source: ArchiveSource,
  format: ArchiveFormat,
): Promise<ArchiveEntryInfo[]> {
  const list: ArchiveEntryInfo[] = [];
  for await (const entry of archiveEntries(source, format, () => false))
    list.push({ name: entry.name, size: entry.size });
  return list;
}

/**
 * The first file named `path` (a leading `/` ignored, as AIStore does), open for reading; the
 * caller must read its body to the end or destroy it. Undefined when there is none.
 */
export async function findEntry(
  source: ArchiveSource,
  format: ArchiveFormat,
  path: string,
): Promise<ArchiveEntry | undefined> {
  const wanted = path.replace(/^\/+/, '');
  const entries = archiveEntries(source, format, (name) => name === wanted);
  // Not a for-await loop: leaving one would end the generator and close the archive under the
  // body. The generator is finished once the body has been read (or destroyed).
  for (;;) {
    const next = await entries.next();
    if (next.done === true) return undefined;
    const entry = next.value;
    if (entry.name !== wanted) continue;
    entry.body.once('close', () => void entries.return(undefined));
    return entry;
  }
}

/** The files `matcher` selects, each open in turn (read each body to its end before the next). */
export async function* selectEntries(
  source: ArchiveSource,
  format: ArchiveFormat,
  matcher: EntryMatcher,
): AsyncGenerator<ArchiveEntry> {
  for await (const entry of archiveEntries(source, format, matcher)) {
    if (matcher(entry.name)) yield entry;
  }
}

/** An archive being written, whatever its format. */
export interface ArchiveWriter {
  readonly output: Readable;
  /**
   * Adds a file of exactly `size` bytes, in order after the files added before; settles once all
   * of `body` is in the archive. Undefined: it is already (bytes in memory with room left), no
   * promise made (a GetBatch adds a thousand small files a batch).
   */
  add(name: string, size: number, body: ArchiveBody, modifiedMs: number): Promise<void> | undefined;
  finish(): void;
  abort(error: Error): void;
}

/** `options`: how a tar's files in memory gather (a reader's socket's default), who indexes them. */
export function createArchiveWriter(
  format: ArchiveFormat,
  options: TarWriterOptions = {},
): ArchiveWriter {
  const codec = codecOf(format);
  return new AbortableWriter(codec === 'zip' ? new ZipWriter() : new TarWriter(codec, options));
}

/**
 * Once aborted (the reader went away, a source failed), every pending and later `add` rejects:
 * nothing waits on an archive nobody reads any more.
 */
class AbortableWriter implements ArchiveWriter {
  #abortError: Error | undefined;
  #rejectPending = new Set<(error: Error) => void>();

  constructor(private readonly writer: ArchiveWriter) {
    // Whoever reads the output (a PUT's pipeline, a response) sees its errors through its own
    // listener; an abort before that reader attached (a source that failed first, e.g. a peer
    // refusing the connection) must not become an uncaught 'error' that ends the process.
    writer.output.on('error', () => undefined);
  }

  get output(): Readable {
    return this.writer.output;
  }

  add(
    name: string,
    size: number,
    body: ArchiveBody,
    modifiedMs: number,
  ): Promise<void> | undefined {
    if (this.#abortError !== undefined) {
      destroyBody(body);
      return Promise.reject(this.#abortError);
    }
    // Added at once (most small files): no closure or promise made for it.
    const added = this.writer.add(name, size, body, modifiedMs);
    if (added === undefined) return undefined;
    return new Promise((resolve, reject) => {
      const onAbort = (error: Error): void => {
        destroyBody(body);
        reject(error);
      };
      this.#rejectPending.add(onAbort);
      // Settled, the add is no longer pending: an abort that follows its failure (a name the
      // format refuses) must not destroy a body it never read, which may be the client's request.
      const settle =
        <T>(finish: (value: T) => void) =>
        (value: T): void => {
          this.#rejectPending.delete(onAbort);
          finish(value);
        };
      added.then(settle(resolve), settle(reject));
    });
  }

  finish(): void {
    this.writer.finish();
  }

  abort(error: Error): void {
    if (this.#abortError !== undefined) return;
    this.#abortError = error;
    for (const reject of this.#rejectPending) reject(error);
    this.writer.abort(error);
  }
}

/** Closes a file's body that will not be read (bytes in memory have nothing to close). */
function destroyBody(body: ArchiveBody): void {
  if (!Array.isArray(body)) (body as Readable).destroy();
}
