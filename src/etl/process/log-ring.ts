// A transformer's log: the newest bytes of its stdout and stderr, bounded (`etl.log_bytes`).

export class LogRing {
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(private readonly limitBytes: number) {}

  append(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes > this.limitBytes && this.#chunks.length > 0) {
      const first = this.#chunks[0] as Buffer;
      const excess = this.#bytes - this.limitBytes;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#bytes -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#bytes -= excess;
      }
    }
  }

  /** A line of the target's own (start, exit, restart), so the log tells the whole story. */
  note(text: string): void {
    this.append(Buffer.from(`[cairn] ${text}\n`));
  }

  contents(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}
