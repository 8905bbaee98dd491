// Blob download settings (AIStore's BlobMsg, the `Ais-Blob-*` GET headers, PrefetchMsg's
// `blob-*`): validated once, with AIStore's defaults and bounds (`xact/xs/blob_download.go`).
import { badRequest } from '../errors/index.js';
import type { BlobSettings } from './job-environment.js';
import { caselessRecord, readBoolean, readNumber } from './multi-object.js';

const mebibyte = 1024 * 1024;

/** AIStore's bounds: chunks outside them are brought inside, as AIStore does. */
export const BlobLimits = {
  defaultChunkBytes: 4 * mebibyte,
  minChunkBytes: 32 * 1024,
  maxChunkBytes: 16 * mebibyte,
  defaultWorkers: 4,
  maxWorkers: 128,
  /**
   * Chunks held in memory by one download (read ahead of the one being written): the workers are
   * cut to fit, so a download never holds more than this.
   */
  memoryBytes: 128 * mebibyte,
  /** Prefetch's smallest `blob-threshold`; a smaller one is raised to it (AIStore's). */
  minPrefetchThreshold: mebibyte,
} as const;

/** A BlobMsg (the `blob-download` action's value, or what the GET headers say) as settings. */
export function parseBlobMessage(value: unknown, where = 'blob-download'): BlobSettings {
  const record = caselessRecord(value, where);
  const timeoutNs = readNumber(record, 'chunk-read-timeout', where);
  const fullSize = readNumber(record, 'full-size', where);
  if (!Number.isSafeInteger(fullSize) || fullSize < 0)
    throw badRequest(`${where}: "full-size" must be a byte count (got ${fullSize})`);
  if (!Number.isFinite(timeoutNs) || timeoutNs < 0)
    throw badRequest(`${where}: "chunk-read-timeout" must be a duration (got ${timeoutNs})`);
  return {
    ...blobReads(
      readNumber(record, 'chunk-size', where),
      readNumber(record, 'num-workers', where),
      where,
    ),
    fullSize,
    chunkReadTimeoutMs: Math.ceil(timeoutNs / 1e6),
    latestVersion: readBoolean(record, 'latest-ver', where),
  };
}

/**
 * Chunk size and workers: 0 is the default, chunks are brought within AIStore's bounds, workers
 * (-1: one at a time, 0: the default, else 1..128) are cut to what the memory bound allows.
 */
export function blobReads(
  chunkSize: number,
  numWorkers: number,
  where: string,
): Pick<BlobSettings, 'chunkBytes' | 'workers'> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 0)
    throw badRequest(`${where}: chunk size must be a byte count (got ${chunkSize})`);
  if (!Number.isInteger(numWorkers) || numWorkers < -1 || numWorkers > BlobLimits.maxWorkers)
    throw badRequest(
      `${where}: workers must be -1, 0 or 1..${BlobLimits.maxWorkers} (got ${numWorkers})`,
    );
  const chunkBytes =
    chunkSize === 0
      ? BlobLimits.defaultChunkBytes
      : Math.min(BlobLimits.maxChunkBytes, Math.max(BlobLimits.minChunkBytes, chunkSize));
  const asked = numWorkers === 0 ? BlobLimits.defaultWorkers : numWorkers === -1 ? 1 : numWorkers;
  const fitting = Math.max(1, Math.floor(BlobLimits.memoryBytes / chunkBytes));
  return { chunkBytes, workers: Math.min(asked, fitting) };
}
