// Records on disk of the job shares a node is running, one file per job (`<dir>/<id>.json`),
// written when a share starts and removed when it ends, so that a node started again knows which
// shares a crash or its own shutdown cut short: download jobs resume theirs, the other kinds
// report theirs as failed (job-interruptions.ts) instead of the job looking complete without them.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../util/atomic-file.js';
import { asRecord } from '../util/json.js';
import type { Logger } from '../util/log.js';

const suffix = '.json';

/** One recorded share: its job ID (the file's name) and what was recorded for it. */
export interface ShareRecord {
  id: string;
  value: Record<string, unknown>;
}

export class ShareJournal {
  #suspended = false;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  async record(id: string, value: object): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomically(this.#path(id), JSON.stringify(value));
  }

  /** The share ended. Nothing is forgotten once the node is shutting down (see `suspend`). */
  async forget(id: string): Promise<void> {
    if (this.#suspended) return;
    await this.remove(id);
  }

  /** Drops the record of `id` even while the node shuts down (it was dealt with). */
  async remove(id: string): Promise<void> {
    await rm(this.#path(id), { force: true });
  }

  /** The node is shutting down: the shares it stops now stay recorded for its next start. */
  suspend(): void {
    this.#suspended = true;
  }

  /** The recorded shares; a record that cannot be read, or that `valid` refuses, is logged and dropped. */
  async pending(
    valid: (id: string, value: Record<string, unknown>) => boolean,
  ): Promise<ShareRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: ShareRecord[] = [];
    for (const name of names) {
      if (!name.endsWith(suffix) || name.startsWith('.')) continue;
      const id = name.slice(0, -suffix.length);
      const path = join(this.dir, name);
      try {
        const value = asRecord(JSON.parse(await readFile(path, 'utf8')));
        if (value === undefined || !valid(id, value)) throw new Error('not a job share record');
        records.push({ id, value });
      } catch (error) {
        this.log.warn('dropping an unreadable job share record', { path, error });
        await rm(path, { force: true });
      }
    }
    return records;
  }

  #path(id: string): string {
    return join(this.dir, `${id}${suffix}`);
  }
}
