// What the load generator needs from a protocol: a bucket to work in, and PUT, GET, list and
// DELETE of objects. One implementation per API (native, S3, plain HTTP).
import { Readable } from 'node:stream';
import { bodyChunks, singleChunkBody } from '../payload.js';

/** An object found by listing. */
export interface ListedObject {
  name: string;
  sizeBytes: number;
}

/** Called with each chunk of a GET body as it arrives (verification). */
export type ChunkObserver = (chunk: Buffer) => void;

export interface BenchDriver {
  /** One line for the report header, e.g. `native API at http://127.0.0.1:8080, bucket ais://b`. */
  readonly description: string;
  /** False when the server cannot list a bucket (plain HTTP). */
  readonly canList: boolean;
  /** True when destroying a bucket removes its objects too (no need to delete them first). */
  readonly destroyRemovesObjects: boolean;
  /**
   * Checks that the endpoint answers and the bucket exists, creating it when missing (true then).
   * Throws a one-line error when the endpoint is down or refuses.
   */
  prepare(): Promise<boolean>;
  /** Writes object `name` with the generated body of `sizeBytes`. */
  put(name: string, sizeBytes: number): Promise<void>;
  /** Reads object `name` whole; resolves with the number of body bytes received. */
  get(name: string, observe: ChunkObserver | undefined): Promise<number>;
  /** Objects whose names start with `prefix`. */
  list(prefix: string): AsyncIterable<ListedObject>;
  delete(name: string): Promise<void>;
  /** Removes the (emptied) bucket that `prepare` created. */
  destroyBucket(): Promise<void>;
  close(): Promise<void>;
}

/** The generated body of `name` as one buffer when it fits, else as a fresh stream of slices. */
export function requestBody(name: string, sizeBytes: number): Buffer | Readable {
  return (
    singleChunkBody(name, sizeBytes) ??
    Readable.from(bodyChunks(name, sizeBytes), { objectMode: false })
  );
}

/** A failed request, worded for the report (`PUT b/o: 503 ...`). */
export class BenchRequestError extends Error {
  /** The HTTP status the server answered with (none when the request failed on its way). */
  readonly status: number | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.name = 'BenchRequestError';
    this.status = options?.status;
  }
}
