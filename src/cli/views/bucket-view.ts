// `cairn ls --summary`: every bucket with its object count and sizes, from one bucket summary job
// per bucket (AIStore's `ais ls --summary`); the web console's bucket list shows the same cells.
import {
  bucketDisplayName,
  type BucketJson,
  type BucketSummaryJson,
  type Client,
} from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { tableLines, type TableCells } from '../table.js';

export interface BucketRow {
  bucket: string;
  objects: number;
  /** The objects' own sizes, added up. */
  sizeBytes: number;
  /** What the bucket takes on the targets' disks (copies and EC pieces included). */
  onDiskBytes: number;
  /** `onDiskBytes` as a whole percentage of the targets' disks. */
  usedPercent: number;
}

/** Summaries run this many at a time, so that a cluster with many buckets is not flooded with jobs. */
const summariesAtOnce = 4;

export async function bucketRows(
  client: Client,
  buckets: readonly BucketJson[],
): Promise<BucketRow[]> {
  const rows: BucketRow[] = [];
  for (let start = 0; start < buckets.length; start += summariesAtOnce) {
    const batch = buckets.slice(start, start + summariesAtOnce);
    const summaries = await Promise.all(batch.map((bucket) => client.jobs.bucketSummary(bucket)));
    rows.push(...summaries.map(bucketRow));
  }
  return rows.sort((a, b) => a.bucket.localeCompare(b.bucket));
}

export function bucketRow(summary: BucketSummaryJson): BucketRow {
  return {
    bucket: bucketDisplayName(summary),
    objects: Number(summary.ObjCount.obj_count_present),
    sizeBytes: Number(summary.TotalSize.size_all_present_objs),
    onDiskBytes: Number(summary.TotalSize.size_on_disk),
    usedPercent: summary.used_pct,
  };
}

export function bucketTable(rows: readonly BucketRow[]): string[] {
  return tableLines(bucketCells(rows));
}

export function bucketCells(rows: readonly BucketRow[]): TableCells {
  return {
    columns: [
      { header: 'NAME' },
      { header: 'OBJECTS', alignRight: true },
      { header: 'SIZE', alignRight: true },
      { header: 'ON DISK', alignRight: true },
      { header: 'USAGE(%)', alignRight: true },
    ],
    rows: rows.map((row) => [
      row.bucket,
      String(row.objects),
      formatBytes(row.sizeBytes),
      formatBytes(row.onDiskBytes),
      String(row.usedPercent),
    ]),
  };
}
