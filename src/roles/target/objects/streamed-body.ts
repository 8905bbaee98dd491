// An object body read from a stream rather than a file (an object rebuilt from EC pieces), with
// the interface the API ports send bodies through; and a byte range cut out of such a stream.
import { Readable, type Writable } from 'node:stream';
import type { ResolvedRange } from '../../../api/common/index.js';
import { destroyQuietly } from '../../../util/stream-teardown.js';
import { writeChunk } from '../../../util/write-chunk.js';

/** A body read from a stream (the rebuilt object), for the API ports. */
export class StreamedBody {
  #taken = false;

  constructor(private readonly stream: Readable) {}

  /** Writes the bytes to a socket-backed destination, one chunk in flight at a time. */
  async sendTo(destination: Writable): Promise<void> {
    const stream = this.toStream();
    try {
      for await (const chunk of stream) await writeChunk(destination, chunk as Buffer);
    } finally {
      destroyQuietly(stream);
    }
  }

  toStream(): Readable {
    if (this.#taken) throw new Error('object body already consumed');
    this.#taken = true;
    return this.stream;
  }

  discard(): Promise<void> {
    this.#taken = true;
    destroyQuietly(this.stream);
    return Promise.resolve();
  }
}

/** Bytes `range.start..range.end` of `source`; the source is destroyed once they are through. */
export function sliceStream(source: Readable, range: ResolvedRange): Readable {
  return Readable.from(
    (async function* () {
      let position = 0;
      try {
        for await (const chunk of source) {
          const buffer = chunk as Buffer;
          const from = Math.max(0, range.start - position);
          const to = Math.min(buffer.length, range.end + 1 - position);
          position += buffer.length;
          if (to > from) yield buffer.subarray(from, to);
          if (position > range.end) break;
        }
      } finally {
        destroyQuietly(source);
      }
    })(),
    { objectMode: false },
  );
}
