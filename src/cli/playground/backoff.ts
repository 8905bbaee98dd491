// When the playground supervisor restarts a crashed node: exponential back-off, so that a node
// that crashes at once (bad disk, port taken) does not spin, reset once a run lasted a while.

/** The playground's policy: 1 s, doubling to 30 s; a run of a minute counts as healthy. */
export const restartPolicy = { initialMs: 1_000, maxMs: 30_000, resetAfterUpMs: 60_000 } as const;

/** The delays before successive restarts of one node. */
export class RestartBackoff {
  readonly #policy: typeof restartPolicy;
  #nextMs: number;

  constructor(policy: typeof restartPolicy = restartPolicy) {
    this.#policy = policy;
    this.#nextMs = policy.initialMs;
  }

  /** The delay before restarting a process that ran for `uptimeMs` and crashed. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.#policy.resetAfterUpMs) this.#nextMs = this.#policy.initialMs;
    const delayMs = this.#nextMs;
    this.#nextMs = Math.min(delayMs * 2, this.#policy.maxMs);
    return delayMs;
  }
}
