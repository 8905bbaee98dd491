// `cairn show job [ID]`: jobs with their progress summed over the targets, one row per job;
// `--refresh` follows them. A job's objects are the largest of its summed local, sent and received
// counts: a copy counts every object it handles as local and the ones it sends to another target
// as out too; a rebalance only sends and receives (each move counted at both ends).
import {
  zeroTime,
  type Client,
  type JobSnapshotJson,
  type JobStatusJson,
} from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { tableLines, type TableCells } from '../table.js';

export interface JobRow {
  id: string;
  kind: string;
  state: 'running' | 'finished' | 'failed' | 'aborted';
  objects: number;
  bytes: number;
  targets: number;
  targetsDone: number;
  error: string;
}

export interface JobSelection {
  id?: string | undefined;
  kind?: string | undefined;
  running?: boolean | undefined;
}

export async function jobRows(client: Client, selection: JobSelection): Promise<JobRow[]> {
  const statuses =
    selection.id === undefined
      ? await client.jobs.list({
          ...(selection.kind === undefined ? {} : { kind: selection.kind }),
          running: selection.running === true,
        })
      : [await client.jobs.status(selection.id)];
  const rows = await Promise.all(
    statuses.map(async (status) => {
      const snapshots = Object.values(await client.jobs.snapshots({ id: status.uuid })).flat();
      return jobRow(status, snapshots);
    }),
  );
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

export function jobRow(status: JobStatusJson, snapshots: readonly JobSnapshotJson[]): JobRow {
  const sum = (key: keyof JobSnapshotJson['stats']): number =>
    snapshots.reduce((total, snapshot) => total + Number(snapshot.stats[key]), 0);
  return {
    id: status.uuid,
    kind: status.kind,
    state:
      status.end_time === 0
        ? 'running'
        : status.aborted
          ? 'aborted'
          : status.err === ''
            ? 'finished'
            : 'failed',
    objects: Math.max(sum('loc-objs'), sum('out-objs'), sum('in-objs')),
    bytes: Math.max(sum('loc-bytes'), sum('out-bytes'), sum('in-bytes')),
    targets: snapshots.length,
    targetsDone: snapshots.filter((snapshot) => snapshot['end-time'] !== zeroTime).length,
    error: status.err,
  };
}

export function jobTable(rows: readonly JobRow[]): string[] {
  if (rows.length === 0) return ['no jobs'];
  return tableLines(jobCells(rows));
}

export function jobCells(rows: readonly JobRow[]): TableCells {
  return {
    columns: [
      { header: 'ID' },
      { header: 'KIND' },
      { header: 'STATE' },
      { header: 'OBJECTS', alignRight: true },
      { header: 'BYTES', alignRight: true },
      { header: 'TARGETS DONE', alignRight: true },
      { header: 'ERROR' },
    ],
    rows: rows.map((row) => [
      row.id,
      row.kind,
      row.state,
      String(row.objects),
      formatBytes(row.bytes),
      `${row.targetsDone}/${row.targets}`,
      row.error,
    ]),
  };
}
