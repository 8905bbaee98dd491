// One target's share of a job: identity, counters, lifecycle (running → finished | failed | aborted),
// abort signal, and the AIStore-shaped snapshot the gateway aggregates.
import type { Logger } from '../util/log.js';
import { zeroTime, type BucketJson, type JobSnapshotJson } from '../wire/index.js';

export interface JobCounters {
  localObjects: number;
  localBytes: number;
  outObjects: number;
  outBytes: number;
  inObjects: number;
  inBytes: number;
}

export type JobState = 'running' | 'finished' | 'failed' | 'aborted';

export abstract class Job {
  readonly counters: JobCounters = {
    localObjects: 0,
    localBytes: 0,
    outObjects: 0,
    outBytes: 0,
    inObjects: 0,
    inBytes: 0,
  };
  /** Kind-specific counters, reported beside the standard ones in the snapshot's stats. */
  readonly extraCounters: Record<string, number> = {};
  readonly startTime: Date;
  endTime: Date | undefined;
  state: JobState = 'running';
  error = '';
  /** Said in the snapshot's `ctlmsg`: what the job was asked to do or found (empty: nothing). */
  controlMessage = '';
  /**
   * Runs when the job failed or was aborted, before its end is recorded (and reported): undoes what
   * starting it did (a copy's destination bucket created for it).
   */
  onUnsuccessful: (() => Promise<void>) | undefined;
  /** The job's other targets (StartJobRequestJson `targets`): their shares are watched. */
  peers: readonly string[] = [];
  readonly #controller = new AbortController();
  /** Peers whose share ended: '' finished, else its error. */
  readonly #peerEnds = new Map<string, string>();
  /** Why the job failed on a peer that has left the cluster since ('' while none did). */
  #lostPeer = '';
  #markEnded: () => void = () => undefined;
  /** Settles once the job has ended here (its `endTime` set): what a held status query waits on. */
  readonly ended: Promise<void> = new Promise((resolve) => {
    this.#markEnded = resolve;
  });

  constructor(
    readonly id: string,
    readonly kind: string,
    readonly bucket: BucketJson | undefined,
    /** When the share started (earlier than now only for a share reported after a restart). */
    startTime = new Date(),
  ) {
    this.startTime = startTime;
  }

  /** Does the work; must check `signal` between units of work and stop promptly when aborted. */
  protected abstract execute(signal: AbortSignal, log: Logger): Promise<void>;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Runs the job to completion; never throws (failures are recorded in the job). */
  async run(log: Logger): Promise<void> {
    try {
      await this.execute(this.#controller.signal, log);
      this.state = this.#controller.signal.aborted ? 'aborted' : 'finished';
    } catch (error) {
      if (this.#controller.signal.aborted) {
        this.state = 'aborted';
      } else {
        this.state = 'failed';
        this.error = error instanceof Error ? error.message : String(error);
        log.error('job failed', { job: this.id, kind: this.kind, error });
      }
    }
    if (this.state !== 'finished' && this.onUnsuccessful !== undefined) {
      await this.onUnsuccessful().catch((error: unknown) =>
        log.error('could not undo what a failed job started', { job: this.id, error }),
      );
    }
    this.endTime = new Date();
    this.#markEnded();
  }

  abort(reason: string): void {
    if (this.state !== 'running') return;
    if (this.error === '') this.error = reason;
    this.#controller.abort(new Error(reason));
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** A peer's share ended (`error` '' when it finished). */
  peerEnded(node: string, error: string): void {
    this.#peerEnds.set(node, error);
  }

  /**
   * The cluster map changed: a peer no longer in it takes its share's outcome with it, so this
   * share reports it — a share that had not ended is lost, a failed one failed the job.
   */
  peersLeft(inMap: (node: string) => boolean): void {
    if (this.#lostPeer !== '') return;
    for (const peer of this.peers) {
      if (inMap(peer)) continue;
      const ended = this.#peerEnds.get(peer);
      if (ended === '') continue;
      this.#lostPeer =
        ended === undefined
          ? `target ${peer} left the cluster before its share of ${this.kind}[${this.id}] ended`
          : `target ${peer} (which has left the cluster since): ${ended}`;
      return;
    }
  }

  snapshot(): JobSnapshotJson {
    const { counters } = this;
    return {
      id: this.id,
      kind: this.kind,
      bck: this.bucket ?? null,
      'start-time': this.startTime.toISOString(),
      'end-time': this.endTime?.toISOString() ?? zeroTime,
      'abort-err': this.state === 'aborted' ? this.error : '',
      err: this.state === 'failed' ? this.error : this.#lostPeer,
      ...(this.controlMessage === '' ? {} : { ctlmsg: this.controlMessage }),
      stats: {
        'loc-objs': String(counters.localObjects),
        'loc-bytes': String(counters.localBytes),
        'out-objs': String(counters.outObjects),
        'out-bytes': String(counters.outBytes),
        'in-objs': String(counters.inObjects),
        'in-bytes': String(counters.inBytes),
        ...Object.fromEntries(
          Object.entries(this.extraCounters).map(([key, value]) => [key, String(value)]),
        ),
      },
      aborted: this.state === 'aborted',
      // Kinds that idle (copy-listrange, archive) are waited on until every target is idle.
      // Not while a failed job is still undoing its start (onUnsuccessful).
      is_idle: this.endTime !== undefined,
    };
  }
}
