// `cairn show performance disk` (AIStore's `ais show performance disk`): every target's disks with
// their read and write rates, average IO sizes and utilization over the target's last
// `periodic.stats_time_ms` (`what=disk`). A target lists no disk before its second reading, nor
// when its mountpaths have no block device (tmpfs, overlay).
import type { TargetDiskStatsJson } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { tableLines } from '../table.js';

export interface DiskIoRow {
  target: string;
  disk: string;
  readBytesPerSecond: number;
  avgReadBytes: number;
  writeBytesPerSecond: number;
  avgWriteBytes: number;
  utilPercent: number;
}

export function diskIoRows(targets: Record<string, TargetDiskStatsJson>): DiskIoRow[] {
  return Object.entries(targets)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([target, report]) =>
      Object.entries(report.AllDiskStats ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([disk, stats]): DiskIoRow => ({
          target,
          disk,
          readBytesPerSecond: stats.RBps,
          avgReadBytes: stats.Ravg,
          writeBytesPerSecond: stats.WBps,
          avgWriteBytes: stats.Wavg,
          utilPercent: stats.Util,
        })),
    );
}

export function diskIoTable(rows: readonly DiskIoRow[]): string[] {
  return tableLines({
    columns: [
      { header: 'TARGET' },
      { header: 'DISK' },
      { header: 'READ', alignRight: true },
      { header: 'READ(AVG SIZE)', alignRight: true },
      { header: 'WRITE', alignRight: true },
      { header: 'WRITE(AVG SIZE)', alignRight: true },
      { header: 'UTIL(%)', alignRight: true },
    ],
    rows: rows.map((row) => [
      row.target,
      row.disk,
      `${formatBytes(row.readBytesPerSecond)}/s`,
      formatBytes(row.avgReadBytes),
      `${formatBytes(row.writeBytesPerSecond)}/s`,
      formatBytes(row.avgWriteBytes),
      String(row.utilPercent),
    ]),
  });
}
