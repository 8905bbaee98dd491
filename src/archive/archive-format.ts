// The archive formats Cairn reads and writes (AIStore's `cmn/archive/mime.go`): `.tar`, `.tgz`,
// `.tar.gz`, `.zip`, `.tar.lz4`; how a format is named (`archmime`, `mime`), recognised from an
// object name or from its first bytes, and the Content-Type an archive is sent with.
import { badRequest } from '../errors/index.js';

export const archiveFormats = ['.tar', '.tgz', '.tar.gz', '.zip', '.tar.lz4'] as const;
export type ArchiveFormat = (typeof archiveFormats)[number];

/** `.tgz` and `.tar.gz` are one format (a gzip-compressed tar) under two names. */
export type ArchiveCodec = 'tar' | 'gzip' | 'lz4' | 'zip';

export function codecOf(format: ArchiveFormat): ArchiveCodec {
  switch (format) {
    case '.tar':
      return 'tar';
    case '.tgz':
    case '.tar.gz':
      return 'gzip';
    case '.tar.lz4':
      return 'lz4';
    case '.zip':
      return 'zip';
  }
}

export function contentTypeOf(format: ArchiveFormat): string {
  switch (codecOf(format)) {
    case 'tar':
      return 'application/x-tar';
    case 'gzip':
      return 'application/gzip';
    case 'lz4':
      return 'application/x-lz4';
    case 'zip':
      return 'application/zip';
  }
}

/**
 * AIStore's normalisation of a requested format, by substring: `tar.gz` and `tar.lz4` first, then
 * the first of tar, tgz, tar.gz, zip, tar.lz4 found (so `application/gzip` means zip, as there).
 * Undefined when nothing matches.
 */
export function normalizeFormat(mime: string): ArchiveFormat | undefined {
  const lower = mime.toLowerCase();
  if (lower.includes('tar.gz')) return '.tar.gz';
  if (lower.includes('tar.lz4')) return '.tar.lz4';
  const found = ['tar', 'tgz', 'tar.gz', 'zip', 'tar.lz4'].find((name) => lower.includes(name));
  return found === undefined ? undefined : (`.${found}` as ArchiveFormat);
}

/** `mime` as a format, or 400 naming the formats there are. */
export function requireFormat(mime: string): ArchiveFormat {
  const format = normalizeFormat(mime);
  if (format === undefined)
    throw badRequest(
      `unsupported archive format "${mime}": expecting ${archiveFormats.join(', ')}`,
    );
  return format;
}

/** The formats, longest extension first (`.tar.gz` before `.tgz`...): sorted once. */
const formatsByLength = [...archiveFormats].sort((a, b) => b.length - a.length);

/**
 * The format an object name's extension says, if any. Called for every listed entry and every
 * write (the shard-index listener), so it sorts nothing and lower-cases only the tail.
 */
export function formatFromName(name: string): ArchiveFormat | undefined {
  const tail = name.slice(-(formatsByLength[0]?.length ?? 0)).toLowerCase();
  return formatsByLength.find((format) => tail.endsWith(format));
}

/** Bytes `formatFromMagic` needs to see. */
export const magicBytes = 262;

/** The format the first bytes of an archive show (tar: `ustar` at 257). */
export function formatFromMagic(head: Buffer): ArchiveFormat | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return '.tgz';
  if (head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b) return '.zip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0x184d2204) return '.tar.lz4';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return '.tar';
  return undefined;
}

/**
 * Splits `<shard><ext>/<path>` at the first archive-extension boundary (AIStore's
 * SplitAtExtension): the shard's name and the path inside; undefined when there is none.
 */
export function splitAtExtension(name: string): { shard: string; path: string } | undefined {
  const lower = name.toLowerCase();
  let best: number | undefined;
  for (const format of archiveFormats) {
    const at = lower.indexOf(`${format}/`);
    if (at > 0 && (best === undefined || at + format.length < best)) best = at + format.length;
  }
  if (best === undefined) return undefined;
  return { shard: name.slice(0, best), path: name.slice(best + 1) };
}
