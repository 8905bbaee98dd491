// A GET through the blob downloader (AIStore's `Ais-Blob-*` headers, as its Python SDK's
// BlobDownloadConfig sets them): an object the cluster does not hold is fetched by its target in
// parallel ranged reads and streamed as it arrives.
import { Header } from '../../wire/index.js';

export interface BlobGetOptions {
  /** Bytes per ranged read: a number, or a size such as `"4MiB"` (default 4 MiB). */
  chunkSize?: number | string;
  /** Ranged reads in flight (default 4; -1: one at a time; at most 128). */
  workers?: number;
  /** A Go duration such as `"30s"`: the longest one chunk's read may take. */
  chunkReadTimeout?: string;
  /** Objects smaller than this many bytes are read with one plain GET. */
  thresholdBytes?: number;
}

export function blobHeaders(options: BlobGetOptions): Record<string, string> {
  const headers: Record<string, string> = { [Header.blobDownload]: 'true' };
  if (options.chunkSize !== undefined) headers[Header.blobChunk] = String(options.chunkSize);
  if (options.workers !== undefined) headers[Header.blobWorkers] = String(options.workers);
  if (options.chunkReadTimeout !== undefined)
    headers[Header.blobReadTimeout] = options.chunkReadTimeout;
  if (options.thresholdBytes !== undefined)
    headers[Header.blobThreshold] = String(options.thresholdBytes);
  return headers;
}
