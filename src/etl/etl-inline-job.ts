// The `etl-inline` job (xaction) of one ETL on one target, AIStore's: its ID is the ETL's
// `etl-...` xaction ID, it runs while the ETL runs here, and its snapshot counts the objects
// transformed (inline and offline): `loc-objs`/`out-objs` objects, `loc-bytes` bytes read,
// `out-bytes` bytes produced. Stopping it by job ID stops the ETL (as `POST /v1/etl/N/stop`).
import { Job } from '../jobs/index.js';
import type { JobSnapshotJson } from '../wire/index.js';

export interface EtlCounts {
  objCount: number;
  inBytes: number;
  outBytes: number;
}

export class EtlInlineJob extends Job {
  #finish: (() => void) | undefined;

  constructor(
    id: string,
    private readonly counts: () => EtlCounts,
    private readonly onAbort: (reason: string) => void,
  ) {
    super(id, 'etl-inline', undefined);
  }

  protected execute(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.#finish = resolve;
      signal.addEventListener(
        'abort',
        () => {
          this.onAbort(this.error === '' ? 'aborted' : this.error);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** The ETL stopped here: the job ends (finished, not aborted). */
  finish(): void {
    this.#finish?.();
  }

  override snapshot(): JobSnapshotJson {
    const { objCount, inBytes, outBytes } = this.counts();
    this.counters.localObjects = objCount;
    this.counters.localBytes = inBytes;
    this.counters.outObjects = objCount;
    this.counters.outBytes = outBytes;
    return super.snapshot();
  }
}
