// A target's rebalance progress, persisted in `<node dir>/rebalance-marker.json` so an interrupted
// rebalance resumes after a restart: the latest generation whose walk finished here (`walked`) and
// the latest that finished on every target as far as this one knows (`completed`).
// Format: {"format_version": 1, "walked": N, "completed": N}; see docs/formats/rebalance-marker.md.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasErrnoCode } from '../../errors/index.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { asRecord, parseJson } from '../../util/json.js';
import { SerialQueue } from '../../util/serial-queue.js';

export const rebalanceMarkerName = 'rebalance-marker.json';
const formatVersion = 1;

export interface RebalanceProgress {
  walked: number;
  completed: number;
}

export class RebalanceMarker {
  #progress: RebalanceProgress;
  readonly #queue = new SerialQueue();

  private constructor(
    private readonly path: string,
    progress: RebalanceProgress,
  ) {
    this.#progress = progress;
  }

  /** Loads the marker of the node in `dir`; an absent or unreadable one means nothing was done. */
  static async load(dir: string): Promise<RebalanceMarker> {
    const path = join(dir, rebalanceMarkerName);
    let progress: RebalanceProgress = { walked: 0, completed: 0 };
    try {
      const record = asRecord(parseJson(await readFile(path, 'utf8')));
      if (record?.format_version === formatVersion) {
        progress = { walked: Number(record.walked ?? 0), completed: Number(record.completed ?? 0) };
      }
    } catch (error) {
      // Missing: a new node. Unreadable: redo the rebalance (moving objects twice is harmless).
      if (!hasErrnoCode(error, 'ENOENT') && !(error instanceof SyntaxError)) throw error;
    }
    return new RebalanceMarker(path, progress);
  }

  get progress(): RebalanceProgress {
    return this.#progress;
  }

  record(update: Partial<RebalanceProgress>): Promise<void> {
    return this.#queue.run(async () => {
      const next = { ...this.#progress, ...update };
      await writeFileAtomically(
        this.path,
        `${JSON.stringify({ format_version: formatVersion, ...next })}\n`,
      );
      this.#progress = next;
    });
  }
}
