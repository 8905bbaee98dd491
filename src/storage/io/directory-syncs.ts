// Group commit of directory fsyncs: concurrent PUTs into one directory each need it fsynced after
// their rename; one fsync that starts after a rename covers it, so callers that arrive while an
// fsync of the directory runs share the next one instead of queueing one each.
import type { Disk } from './disk.js';

interface DirectoryState {
  /** The fsync in progress (it may have started before the latest caller's rename). */
  running: Promise<void>;
  /** The one that starts when `running` ends; every caller that arrived meanwhile awaits it. */
  next: Promise<void> | undefined;
}

export class DirectorySyncs {
  readonly #directories = new Map<string, DirectoryState>();

  constructor(private readonly disk: Disk) {}

  /** Resolves once an fsync of `directory` that started after this call has completed. */
  sync(directory: string): Promise<void> {
    const state = this.#directories.get(directory);
    if (state === undefined) return this.#start(directory);
    state.next ??= state.running.then(
      () => this.#start(directory),
      () => this.#start(directory),
    );
    return state.next;
  }

  #start(directory: string): Promise<void> {
    const running = this.disk.syncDirectory(directory).finally(() => {
      const state = this.#directories.get(directory);
      if (state?.running !== running) return;
      if (state.next === undefined) this.#directories.delete(directory);
    });
    const state = this.#directories.get(directory);
    if (state === undefined) this.#directories.set(directory, { running, next: undefined });
    else {
      state.running = running;
      state.next = undefined;
    }
    return running;
  }
}
