// A bounded free list of equal-size buffers, so the data path reuses memory instead of leaving
// garbage for the collector at gigabytes per second.

export class BufferPool {
  readonly #free: Buffer[] = [];

  constructor(
    readonly bufferBytes: number,
    private readonly maxFree: number,
  ) {}

  /** A buffer of `bufferBytes` (contents undefined). */
  acquire(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
  }

  /** Returns a buffer nobody references any more; extras beyond the bound are left to the GC. */
  release(buffer: Buffer): void {
    if (buffer.length === this.bufferBytes && this.#free.length < this.maxFree)
      this.#free.push(buffer);
  }
}
