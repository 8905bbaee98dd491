// A target's disk IO in `/metrics`: the cumulative counters of the block device under each
// mountpath (`cairn_disk_*_total`, read from /proc/diskstats when scraped) and AIStore's computed
// rates per disk (`ais_target_disk_*`, from the DiskRateSampler's last interval).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MountpathCapacity } from '../../../storage/index.js';
import type { DiskRate, DiskRateSampler } from './disk-rates.js';
import { deviceNumbers, readDiskStats, type DiskCounters } from './disk-stats.js';

export function registerDiskMetrics(
  registers: Registry[],
  readCapacity: () => Promise<MountpathCapacity[]>,
  rates: DiskRateSampler,
): void {
  registerDiskCounters(registers, readCapacity);
  registerDiskRates(registers, readCapacity, rates);
}

/**
 * Bytes read and written and IO time of the block device under each mountpath. Mountpaths on one
 * disk each report that disk's counters: sum by `disk`, not by `mountpath`.
 */
function registerDiskCounters(
  registers: Registry[],
  readCapacity: () => Promise<MountpathCapacity[]>,
): void {
  const counter = (name: string, help: string, value: (disk: DiskCounters) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['mountpath', 'disk'],
      registers,
      async collect() {
        const [entries, disks] = await Promise.all([readCapacity(), readDiskStats()]);
        this.reset();
        for (const entry of entries) {
          const disk = disks.get(deviceNumbers(Number(entry.filesystem)));
          if (disk !== undefined) this.labels(entry.mountpath, disk.name).inc(value(disk));
        }
      },
    });
  };
  counter(
    'cairn_disk_read_bytes_total',
    "bytes read from the mountpath's block device (all readers, /proc/diskstats)",
    (disk) => disk.readBytes,
  );
  counter(
    'cairn_disk_write_bytes_total',
    "bytes written to the mountpath's block device (all writers, /proc/diskstats)",
    (disk) => disk.writeBytes,
  );
  counter(
    'cairn_disk_io_seconds_total',
    "seconds the mountpath's block device had IO in flight (its rate is the utilization)",
    (disk) => disk.ioSeconds,
  );
}

/**
 * AIStore's per-disk gauges (`stats/target_stats.go` RegDiskMetrics): one series per disk under
 * the target's mountpaths, labelled `disk` only, as AIStore's. Its help says MB/s for the
 * `_mbps` pair but it sets them to bytes per second; Cairn exports what AIStore exports.
 */
function registerDiskRates(
  registers: Registry[],
  readCapacity: () => Promise<MountpathCapacity[]>,
  rates: DiskRateSampler,
): void {
  const gauge = (name: string, help: string, value: (rate: DiskRate) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['disk'],
      registers,
      async collect() {
        const entries = await readCapacity();
        this.reset();
        for (const rate of rates.byDisk(entries.map((entry) => entry.filesystem)).values())
          this.labels(rate.name).set(value(rate));
      },
    });
  };
  gauge(
    'ais_target_disk_read_mbps',
    'read bandwidth (bytes per second over periodic.stats_time_ms)',
    (rate) => rate.readBps,
  );
  gauge('ais_target_disk_avg_rsize', 'average read size (bytes)', (rate) => rate.avgReadBytes);
  gauge(
    'ais_target_disk_write_mbps',
    'write bandwidth (bytes per second over periodic.stats_time_ms)',
    (rate) => rate.writeBps,
  );
  gauge('ais_target_disk_avg_wsize', 'average write size (bytes)', (rate) => rate.avgWriteBytes);
  gauge('ais_target_disk_util', 'disk utilization (%)', (rate) => rate.utilPercent);
}
