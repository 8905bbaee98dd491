// Temporary state of one benchmark: a directory (on the same disk for every server compared) and
// the teardown steps that run at the end, in reverse order, even when the benchmark fails.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Scratch {
  readonly #teardown: (() => Promise<void>)[] = [];

  private constructor(readonly dir: string) {}

  static async create(name: string): Promise<Scratch> {
    return new Scratch(await mkdtemp(join(tmpdir(), `cairn-bench-${name}-`)));
  }

  /** Registers a step for `close` (run last-registered first). */
  defer(step: () => Promise<void>): void {
    this.#teardown.push(step);
  }

  async close(): Promise<void> {
    for (const step of this.#teardown.reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(
          `teardown: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs `body` with a scratch directory that is torn down afterwards, whatever happens. */
export async function withScratch<T>(
  name: string,
  body: (scratch: Scratch) => Promise<T>,
): Promise<T> {
  const scratch = await Scratch.create(name);
  const onSignal = (): void => {
    void scratch.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(scratch);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await scratch.close();
  }
}
