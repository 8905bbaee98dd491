// The body of a blob download: one remote object read as ranged GETs of `chunkBytes`, up to
// `workers` of them in flight, handed on in order. A chunk read ahead of the one being written
// waits in memory (the workers are bounded so that this stays under BlobLimits.memoryBytes), so
// the object is written, checksummed and streamed sequentially as any cold GET's body is.
import { Readable } from 'node:stream';
import type { Backend, RemoteObject, RemoteRead } from '../../../backends/index.js';
import { StoreError } from '../../../errors/index.js';
import type { BlobSettings } from '../../../jobs/index.js';

export interface RangedReadOptions {
  settings: Pick<BlobSettings, 'chunkBytes' | 'workers' | 'chunkReadTimeoutMs'>;
  /** Ends the download: reads in flight are cut and the body fails with the signal's reason. */
  signal: AbortSignal;
  /** Told of each chunk as it is handed on (its length). */
  onChunk?: (bytes: number) => void;
}

/** The object `remote` (as a HEAD described it) read in parallel ranges. */
export function rangedRead(
  backend: Backend,
  remote: RemoteObject,
  options: RangedReadOptions,
): RemoteRead {
  // One chunk handed on ahead of the reader at most: the read-ahead is the workers' own.
  const body = Readable.from(chunks(backend, remote, options), {
    objectMode: false,
    highWaterMark: 1,
  });
  return { object: remote, body };
}

async function* chunks(
  backend: Backend,
  remote: RemoteObject,
  options: RangedReadOptions,
): AsyncGenerator<Buffer> {
  const { chunkBytes, workers } = options.settings;
  const count = Math.ceil(remote.size / chunkBytes);
  // Cuts the reads in flight when the download is aborted or its reader goes away.
  const stop = new AbortController();
  const abort = (): void => stop.abort(options.signal.reason);
  options.signal.addEventListener('abort', abort, { once: true });
  const inFlight = new Map<number, Promise<Buffer>>();
  let next = 0;
  try {
    for (let index = 0; index < count; index += 1) {
      options.signal.throwIfAborted();
      for (; next < count && next < index + workers; next += 1) {
        const read = readChunk(backend, remote, next, options, stop.signal);
        // Awaited in order below; one failing ahead of its turn must not go unhandled meanwhile.
        read.catch(() => undefined);
        inFlight.set(next, read);
      }
      const chunk = await (inFlight.get(index) as Promise<Buffer>);
      inFlight.delete(index);
      options.onChunk?.(chunk.length);
      yield chunk;
    }
  } finally {
    options.signal.removeEventListener('abort', abort);
    stop.abort(new Error('blob download ended'));
  }
}

/** Chunk `index`, whole: exactly its bytes, of the object the HEAD described. */
async function readChunk(
  backend: Backend,
  remote: RemoteObject,
  index: number,
  options: RangedReadOptions,
  stop: AbortSignal,
): Promise<Buffer> {
  const { chunkBytes, chunkReadTimeoutMs } = options.settings;
  const signal =
    chunkReadTimeoutMs > 0
      ? AbortSignal.any([stop, AbortSignal.timeout(chunkReadTimeoutMs)])
      : stop;
  signal.throwIfAborted();
  const start = index * chunkBytes;
  const end = Math.min(remote.size, start + chunkBytes) - 1;
  const where = `blob download of ${backend.description}/${remote.name}, bytes ${start}-${end}`;
  const read = await backend.get(remote.name, { start, end });
  const cut = (): void => {
    const reason: unknown = signal.reason;
    read.body.destroy(
      timedOut(signal)
        ? timeoutError(where, chunkReadTimeoutMs)
        : reason instanceof Error
          ? reason
          : new Error(`${where}: stopped`),
    );
  };
  if (signal.aborted) cut();
  else signal.addEventListener('abort', cut, { once: true });
  try {
    if (changed(remote, read.object))
      throw new StoreError(
        'PreconditionFailed',
        `${where}: the remote object changed during the download`,
      );
    const parts: Buffer[] = [];
    let length = 0;
    for await (const part of read.body as AsyncIterable<Buffer>) {
      parts.push(part);
      length += part.length;
    }
    if (length !== end - start + 1)
      throw new StoreError(
        'BackendUnreachable',
        `${where}: the remote sent ${length} bytes, expected ${end - start + 1}`,
      );
    return Buffer.concat(parts, length);
  } finally {
    signal.removeEventListener('abort', cut);
    read.body.destroy();
  }
}

/** Another object than the one the download started on: by version, else ETag, else size. */
function changed(started: RemoteObject, now: RemoteObject): boolean {
  if (started.version !== undefined && now.version !== undefined)
    return started.version !== now.version;
  if (started.etag !== undefined && now.etag !== undefined) return started.etag !== now.etag;
  return started.size !== now.size;
}

function timedOut(signal: AbortSignal): boolean {
  return signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
}

function timeoutError(where: string, timeoutMs: number): StoreError {
  return new StoreError('BackendTimeout', `${where}: no whole chunk within ${timeoutMs} ms`);
}
