// MD5 on libuv's thread pool (the fs-batch addon, OpenSSL's MD5 as node:crypto's): chunks given
// while a batch is being hashed go together into the next job. A large S3 PUT's ETag was a third
// of its owner's main-thread time when hashed in place (docs/profiling.md); here the event loop
// only queues the chunks. Whoever feeds it must wait for `caughtUp()` now and then, so that the
// chunks waiting for a pool thread stay few (the body's reader is held back meanwhile).
import { md5Create, md5Digest, md5Update } from 'cairn-fs-batch';

export class PooledMd5 {
  readonly #state = md5Create();
  #queued: Buffer[] = [];
  #running: Promise<void> | undefined;
  #failure: Error | undefined;

  /** Queues `chunk` (which must not change until hashed) after those given before. */
  update(chunk: Buffer): void {
    this.#queued.push(chunk);
    this.#running ??= this.#hashQueued();
  }

  /** Resolves once every chunk given so far is hashed; rejects if hashing failed. */
  async caughtUp(): Promise<void> {
    await this.#running;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** The digest of every chunk given, once hashed (the hasher is then spent). */
  async digest(): Promise<Buffer> {
    await this.caughtUp();
    return md5Digest(this.#state);
  }

  /** One job at a time (the state is not shared between threads); never rejects. */
  async #hashQueued(): Promise<void> {
    try {
      while (this.#queued.length > 0 && this.#failure === undefined) {
        const batch = this.#queued;
        this.#queued = [];
        await md5Update(this.#state, batch);
      }
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.#running = undefined;
    }
  }
}
