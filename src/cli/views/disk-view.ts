// `cairn show disk` (and `show performance disk`): every target's mountpaths with their state
// (enabled, disabled, faulty: its disk failed a check, see the target's alerts) and capacity.
import type { NodeStatusJson } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { tableLines, type TableCells } from '../table.js';

export interface DiskRow {
  target: string;
  mountpath: string;
  /** The file system's device ID (mountpaths sharing one report the same sizes). */
  filesystem: string;
  state: 'enabled' | 'disabled' | 'faulty';
  usedBytes: number;
  availableBytes: number;
  totalBytes: number;
  usedPercent: number;
}

export function diskRows(targets: Record<string, NodeStatusJson>): DiskRow[] {
  return Object.entries(targets)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([target, status]) => {
      const faulty = new Set(
        (status.alerts ?? [])
          .filter((alert) => alert.kind === 'disk-fault')
          .map((alert) => alert.mountpath),
      );
      return [...status.mountpath_capacity]
        .sort((a, b) => a.mountpath.localeCompare(b.mountpath))
        .map((entry): DiskRow => {
          const denominator = entry.used_bytes + entry.available_bytes;
          return {
            target,
            mountpath: entry.mountpath,
            filesystem: entry.filesystem,
            state: faulty.has(entry.mountpath) ? 'faulty' : entry.enabled ? 'enabled' : 'disabled',
            usedBytes: entry.used_bytes,
            availableBytes: entry.available_bytes,
            totalBytes: entry.total_bytes,
            usedPercent:
              denominator === 0 ? 0 : Math.round((entry.used_bytes * 1000) / denominator) / 10,
          };
        });
    });
}

export function diskTable(rows: readonly DiskRow[]): string[] {
  return tableLines(diskCells(rows));
}

export function diskCells(rows: readonly DiskRow[]): TableCells {
  return {
    columns: [
      { header: 'TARGET' },
      { header: 'MOUNTPATH' },
      { header: 'STATE' },
      { header: 'USED', alignRight: true },
      { header: 'AVAIL', alignRight: true },
      { header: 'TOTAL', alignRight: true },
      { header: 'USE%', alignRight: true },
    ],
    rows: rows.map((row) => [
      row.target,
      row.mountpath,
      row.state,
      formatBytes(row.usedBytes),
      formatBytes(row.availableBytes),
      formatBytes(row.totalBytes),
      `${row.usedPercent.toFixed(1)}%`,
    ]),
  };
}
