// What an archive is read from: its size and its bytes by range (a stored object read through the
// store, or a file in tests). Zip readers jump to the central directory; tar readers read once
// from the start. Neither holds the whole archive in memory.
import type { Readable } from 'node:stream';

export interface ArchiveSource {
  readonly size: number;
  /** The bytes `start`..`end` (inclusive) as a stream. */
  read(start: number, end: number): Promise<Readable>;
}

/** One file in an archive, as a listing shows it. */
export interface ArchiveEntryInfo {
  /** The path inside the archive. */
  name: string;
  size: number;
}

/** A file being read out of an archive: its bytes must be consumed (or the body destroyed). */
export interface ArchiveEntry extends ArchiveEntryInfo {
  body: Readable;
}

/** A file's bytes for an archive writer: a stream, or chunks already in memory. */
export type ArchiveBody = Readable | readonly Buffer[];
