// Request bodies that can be sent more than once: a redirect or a retry re-sends the same bytes.
import type { Readable } from 'node:stream';

/**
 * An object body given to `putObject`: bytes, a string (UTF-8), or a re-openable stream: `open`
 * is called for every attempt and must return a new stream of the whole body each time.
 */
export type ObjectBody = Uint8Array | string | { size: number; open: () => Readable };

/** A body with a known size that can be opened again for every attempt. */
export interface ReplayableBody {
  readonly sizeBytes: number;
  /** A fresh copy of the body: the same buffer, or a newly opened stream. */
  open(): Buffer | Readable;
}

/** Wraps an object body so that redirects and retries can re-send it. */
export function replayableBody(body: ObjectBody): ReplayableBody {
  if (typeof body === 'string') return bufferBody(Buffer.from(body, 'utf8'));
  if (body instanceof Uint8Array) {
    return bufferBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }
  if (!Number.isSafeInteger(body.size) || body.size < 0) {
    throw new RangeError(`body size must be a non-negative integer, got ${body.size}`);
  }
  return { sizeBytes: body.size, open: () => unread(body.open()) };
}

/**
 * Every attempt (a redirect, a retry) sends the whole body: a stream read already (`open` gave the
 * same one again) is refused before anything is sent, never sent on from where it stopped.
 */
function unread(stream: Readable): Readable {
  if (stream.readableDidRead || stream.readableEnded || stream.destroyed) {
    throw new TypeError(
      'body.open() returned a stream that was read already: it must return a fresh stream of the whole body on every call (a redirect or a retry sends the body again)',
    );
  }
  return stream;
}

/** A JSON action message or other small in-memory body. */
export function jsonBody(value: unknown): ReplayableBody {
  return bufferBody(Buffer.from(JSON.stringify(value), 'utf8'));
}

function bufferBody(buffer: Buffer): ReplayableBody {
  return { sizeBytes: buffer.byteLength, open: () => buffer };
}
