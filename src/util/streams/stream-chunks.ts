// A byte stream's chunks as it delivered them, one at a time, for a reader that takes them by count
// (ByteReader). Node's own async iterator of a Readable reads all it has buffered at once (`read()`),
// joining the chunks into a new buffer whenever more than one waits: a GetBatch's designated target,
// behind its peers' sockets, copied most of their bytes once more that way (and left the copies to
// the collector). Here nothing is joined; the stream is paused while a high-water mark of its bytes
// waits unread, as its own buffering would.
import type { Readable } from 'node:stream';

class StreamChunks implements AsyncIterableIterator<Buffer> {
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly stream: Readable) {
    stream.on('data', (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#queuedBytes += chunk.length;
      if (this.#queuedBytes >= stream.readableHighWaterMark) stream.pause();
      this.#notify();
    });
    stream.once('end', () => {
      this.#ended = true;
      this.#notify();
    });
    stream.once('error', (error: Error) => {
      this.#failure ??= error;
      this.#notify();
    });
    stream.once('close', () => {
      if (!this.#ended) this.#failure ??= new Error('the stream closed before its end');
      this.#notify();
    });
    // Ended or failed before it was handed over: it emits nothing more (Node's own iterator
    // checks this too), and the reader would wait for ever.
    if (stream.readableEnded) this.#ended = true;
    else if (stream.destroyed)
      this.#failure = stream.errored ?? new Error('the stream closed before its end');
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this;
  }

  async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      const chunk = this.#queue.shift();
      if (chunk !== undefined) {
        this.#queuedBytes -= chunk.length;
        const { stream } = this;
        if (stream.isPaused() && this.#queuedBytes < stream.readableHighWaterMark) stream.resume();
        return { done: false, value: chunk };
      }
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** The reader stops early: the stream is dropped. */
  return(): Promise<IteratorResult<Buffer>> {
    this.#ended = true;
    this.stream.destroy();
    return Promise.resolve({ done: true, value: undefined });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** `stream`'s chunks as delivered, never joined (see above); errors and early closes throw. */
export function chunksOf(stream: Readable): AsyncIterableIterator<Buffer> {
  return new StreamChunks(stream);
}
