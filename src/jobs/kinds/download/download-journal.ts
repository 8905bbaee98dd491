// A target's unfinished download jobs on disk, so that a restarted target resumes its share
// (AIStore keeps its download jobs in a small database for the same reason): one file per job,
// `<dir>/<id>.json`, holding its start request. A job is recorded when it starts and forgotten when
// it ends; one stopped by the node's own shutdown (see `suspend`) or a crash stays recorded.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../../util/atomic-file.js';
import { asRecord } from '../../../util/json.js';
import type { Logger } from '../../../util/log.js';
import { downloadIdPrefix, type StartJobRequestJson } from '../../../wire/index.js';

const suffix = '.json';

export class DownloadJournal {
  #suspended = false;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  async record(request: StartJobRequestJson): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomically(this.#path(request.id), JSON.stringify(request));
  }

  /** The job ended: it is not resumed. Nothing is forgotten once the node is shutting down. */
  async forget(id: string): Promise<void> {
    if (this.#suspended) return;
    await rm(this.#path(id), { force: true });
  }

  /** The node is shutting down: the jobs it stops now are resumed at its next start. */
  suspend(): void {
    this.#suspended = true;
  }

  /** The recorded jobs (a file that cannot be read is logged and dropped). */
  async pending(): Promise<StartJobRequestJson[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const requests: StartJobRequestJson[] = [];
    for (const name of names) {
      if (!name.startsWith(downloadIdPrefix) || !name.endsWith(suffix)) continue;
      const path = join(this.dir, name);
      try {
        const record = asRecord(JSON.parse(await readFile(path, 'utf8')));
        if (typeof record?.id !== 'string' || record.kind !== 'download')
          throw new Error('not a download job');
        requests.push(record as unknown as StartJobRequestJson);
      } catch (error) {
        this.log.warn('dropping an unreadable download job record', { path, error });
        await rm(path, { force: true });
      }
    }
    return requests;
  }

  #path(id: string): string {
    return join(this.dir, `${id}${suffix}`);
  }
}
