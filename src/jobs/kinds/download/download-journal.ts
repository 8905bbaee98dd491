// A target's unfinished download jobs on disk, so that a restarted target resumes its share
// (AIStore keeps its download jobs in a small database for the same reason): one record per job
// (share-journal.ts) holding its start request. A job is recorded when it starts and forgotten when
// it ends; one stopped by the node's own shutdown (see `suspend`) or a crash stays recorded.
import type { Logger } from '../../../util/log.js';
import { downloadIdPrefix, type StartJobRequestJson } from '../../../wire/index.js';
import { ShareJournal } from '../../share-journal.js';

export class DownloadJournal {
  readonly #journal: ShareJournal;

  constructor(dir: string, log: Logger) {
    this.#journal = new ShareJournal(dir, log);
  }

  record(request: StartJobRequestJson): Promise<void> {
    return this.#journal.record(request.id, request);
  }

  /** The job ended: it is not resumed. Nothing is forgotten once the node is shutting down. */
  forget(id: string): Promise<void> {
    return this.#journal.forget(id);
  }

  /** The node is shutting down: the jobs it stops now are resumed at its next start. */
  suspend(): void {
    this.#journal.suspend();
  }

  /** The recorded jobs (a record that cannot be read is logged and dropped). */
  async pending(): Promise<StartJobRequestJson[]> {
    const records = await this.#journal.pending(
      (id, value) =>
        id.startsWith(downloadIdPrefix) && value['id'] === id && value['kind'] === 'download',
    );
    return records.map(({ value }) => value as unknown as StartJobRequestJson);
  }
}
