// The live progress line on stderr: rewritten in place twice a second on a terminal, or one line
// every few seconds when stderr is a file or pipe (logs stay readable).
import type { CliIo } from '../cli-io.js';
import type { PhaseRun } from './workload.js';

const terminalIntervalMs = 500;
const logIntervalMs = 5000;

/** `put  3.0s  1234 ops  411.3 ops/s  411.30 MiB/s  0 errors` */
export function progressText(phase: PhaseRun): string {
  const seconds = Math.max(phase.elapsedMs, 1) / 1000;
  let count = 0;
  let bytes = 0;
  for (const stats of phase.operations.values()) {
    count += stats.count;
    bytes += stats.bytes;
  }
  const opsPerSecond = (count / seconds).toFixed(1);
  const mibPerSecond = (bytes / (1024 * 1024) / seconds).toFixed(2);
  return `${phase.kind}  ${seconds.toFixed(1)}s  ${count} ops  ${opsPerSecond} ops/s  ${mibPerSecond} MiB/s  ${phase.errors} errors`;
}

export class ProgressLine {
  readonly #stream: CliIo['stderr'];
  readonly #terminal: boolean;
  #timer: NodeJS.Timeout | undefined;
  #phase: PhaseRun | undefined;

  constructor(stream: CliIo['stderr']) {
    this.#stream = stream;
    this.#terminal = stream.isTTY === true;
  }

  /** Follows `phase` until `stop`. */
  follow(phase: PhaseRun): void {
    this.stop();
    this.#phase = phase;
    const interval = this.#terminal ? terminalIntervalMs : logIntervalMs;
    this.#timer = setInterval(() => this.#draw(false), interval);
    this.#timer.unref();
  }

  /** Draws the final figures of the followed phase and ends its line. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#draw(true);
    this.#phase = undefined;
  }

  #draw(final: boolean): void {
    if (this.#phase === undefined) return;
    const text = progressText(this.#phase);
    if (this.#terminal) this.#stream.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
    else if (final || this.#phase.elapsedMs >= logIntervalMs) this.#stream.write(`${text}\n`);
  }
}
