// Per-disk rates, AIStore's computed disk figures (`disk.<name>.read.bps`, `.avg.rsize`,
// `.write.bps`, `.avg.wsize`, `.util`; Prometheus `ais_target_disk_read_mbps` ...). A timer reads
// /proc/diskstats every `periodic.stats_time_ms` and keeps the rates between its last two readings,
// as AIStore's stats runner does every `periodic.stats_time`: every scrape and `node_stats` sees the
// same figures, whoever asks and however often, and a scrape costs no extra read.
import { deviceNumbers, type DiskCounters } from './disk-stats.js';

/** One disk's activity over the last interval (integers, as AIStore's int64 figures). */
export interface DiskRate {
  /** The kernel's name for the disk (`vda`). */
  name: string;
  /** Bytes read per second (AIStore's value of `disk_read_mbps`, which despite its name is B/s). */
  readBps: number;
  writeBps: number;
  /** Bytes per read completed in the interval (0 when none). */
  avgReadBytes: number;
  avgWriteBytes: number;
  /** Percent of the interval the disk had IO in flight, 0–100. */
  utilPercent: number;
}

/** Rates between two readings of one disk `seconds` apart; a counter that went back counts 0. */
export function diskRate(before: DiskCounters, after: DiskCounters, seconds: number): DiskRate {
  const delta = (key: keyof Omit<DiskCounters, 'name'>): number =>
    Math.max(0, after[key] - before[key]);
  const perSecond = (value: number): number => (seconds > 0 ? Math.round(value / seconds) : 0);
  const average = (bytes: number, count: number): number =>
    count > 0 ? Math.round(bytes / count) : 0;
  return {
    name: after.name,
    readBps: perSecond(delta('readBytes')),
    writeBps: perSecond(delta('writeBytes')),
    avgReadBytes: average(delta('readBytes'), delta('reads')),
    avgWriteBytes: average(delta('writeBytes'), delta('writes')),
    utilPercent: Math.min(100, perSecond(delta('ioSeconds') * 100)),
  };
}

export interface DiskRateSource {
  /** Counters of every block device by `major:minor` (disk-stats.ts `readDiskStats`). */
  read: () => Promise<Map<string, DiskCounters>>;
  /** The interval between readings, read before each wait (the cluster config may change). */
  intervalMs: () => number;
  /** A failed reading is reported here and the timer goes on. */
  onError: (error: unknown) => void;
}

/** The longest wait between looks at the configured interval. */
const configCheckMs = 1000;

export class DiskRateSampler {
  readonly #source: DiskRateSource;
  #last: { atMs: number; disks: Map<string, DiskCounters> } | undefined;
  #rates = new Map<string, DiskRate>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(source: DiskRateSource) {
    this.#source = source;
  }

  /** Takes the first reading now and one every interval until `stop`. */
  start(): void {
    const schedule = (waitMs: number): void => {
      if (this.#stopped) return;
      // Whole milliseconds: a fractional delay turns Node's `Timeout._idleTimeout` from a small
      // integer into a double, which deprecates the map of every timer, socket timeouts included,
      // and deoptimizes the code that refreshes them (docs/profiling.md, session 47 deopt47).
      this.#timer = setTimeout(tick, Math.ceil(Math.max(0, Math.min(waitMs, configCheckMs))));
      this.#timer.unref();
    };
    // Waits no longer than configCheckMs at once, so a new interval applies within a second.
    const tick = (): void => {
      const last = this.#last;
      const dueInMs =
        last === undefined ? 0 : last.atMs + this.#source.intervalMs() - performance.now();
      if (dueInMs > 0) return schedule(dueInMs);
      void this.sample()
        .catch(this.#source.onError)
        .finally(() => schedule(this.#source.intervalMs()));
    };
    tick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** The rates of the device `major:minor` over the last interval; none before two readings. */
  rate(device: string): DiskRate | undefined {
    return this.#rates.get(device);
  }

  /**
   * The rates of the disks under file systems given by their device IDs (stat's `dev`, as
   * `MountpathCapacity.filesystem` holds it), by disk name: a disk under several mountpaths once.
   */
  byDisk(filesystems: Iterable<string>): Map<string, DiskRate> {
    const disks = new Map<string, DiskRate>();
    for (const filesystem of filesystems) {
      const rate = this.rate(deviceNumbers(Number(filesystem)));
      if (rate !== undefined) disks.set(rate.name, rate);
    }
    return disks;
  }

  /** One reading: the rates become those since the previous one. */
  async sample(): Promise<void> {
    const disks = await this.#source.read();
    const atMs = performance.now();
    const last = this.#last;
    this.#last = { atMs, disks };
    if (last === undefined) return;
    const seconds = (atMs - last.atMs) / 1000;
    const rates = new Map<string, DiskRate>();
    for (const [device, counters] of disks) {
      const before = last.disks.get(device);
      if (before !== undefined) rates.set(device, diskRate(before, counters, seconds));
    }
    this.#rates = rates;
  }
}
