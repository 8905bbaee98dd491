// The CLI views computed from targets' statuses: throughput and latency over an interval, capacity
// with shared file systems counted once, disk states (enabled, disabled, faulty), and disk IO rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  MountpathCapacityJson,
  NodeStatusJson,
  TargetDiskStatsJson,
} from '../../sdk/index.js';
import { diskIoRows, diskIoTable } from './disk-io-view.js';
import { diskRows } from './disk-view.js';
import { capacityRows, latencyRows, throughputRows } from './performance-views.js';

function status(
  tracker: Record<string, number>,
  capacity: MountpathCapacityJson[] = [],
  alerts: NodeStatusJson['alerts'] = [],
): NodeStatusJson {
  return {
    tracker: Object.fromEntries(
      Object.entries(tracker).map(([name, v]) => [name, { v: String(v) }]),
    ),
    mountpath_capacity: capacity,
    alerts,
  } as unknown as NodeStatusJson;
}

const mountpath = (path: string, filesystem: string, enabled = true): MountpathCapacityJson => ({
  mountpath: path,
  filesystem,
  enabled,
  total_bytes: 1000,
  used_bytes: 250,
  available_bytes: 750,
});

test('throughput: deltas over the interval; a target new since the last sample counts from 0', () => {
  const before = { atMs: 0, targets: { t1: status({ 'get.n': 10, 'get.size': 1000 }) } };
  const after = {
    atMs: 2000,
    targets: {
      t1: status({ 'get.n': 30, 'get.size': 5000, 'err.get.n': 4 }),
      t2: status({ 'put.n': 6, 'put.size': 600 }),
    },
  };
  const [t1, t2] = throughputRows(before, after);
  assert.deepEqual(
    [t1?.target, t1?.gets, t1?.getsPerSecond, t1?.getBytesPerSecond, t1?.errorsPerSecond],
    ['t1', 20, 10, 2000, 2],
  );
  assert.deepEqual([t2?.target, t2?.puts, t2?.putBytesPerSecond], ['t2', 6, 300]);
});

test('latency: mean of the timed requests only (failed ones are not timed); null when none', () => {
  const before = { atMs: 0, targets: { t1: status({}) } };
  const after = {
    atMs: 1000,
    targets: { t1: status({ 'get.n': 5, 'err.get.n': 1, 'get.ns.total': 8_000_000 }) },
  };
  const [row] = latencyRows(before, after);
  assert.equal(row?.gets, 4);
  assert.equal(row?.getMs, 2);
  assert.equal(row?.putMs, null);
});

test('capacity counts a shared file system once; disk states come from flags and alerts', () => {
  const targets = {
    t1: status(
      {},
      [mountpath('/a', 'fs1'), mountpath('/b', 'fs1'), mountpath('/c', 'fs2', false)],
      [{ kind: 'disk-fault', mountpath: '/c', message: 'x', time: '' }],
    ),
  };
  const [capacity] = capacityRows({ atMs: 0, targets });
  assert.deepEqual(
    [capacity?.mountpaths, capacity?.usedBytes, capacity?.totalBytes, capacity?.usedPercent],
    [3, 500, 2000, 25],
  );
  assert.deepEqual(
    diskRows(targets).map((row) => `${row.mountpath}:${row.state}`),
    ['/a:enabled', '/b:enabled', '/c:faulty'],
  );
});

test("disk IO: one row per target's disk, sorted; a target with no disk has none", () => {
  const disk = (RBps: number, Util: number) => ({
    RBps,
    Ravg: 4096,
    WBps: 2 * RBps,
    Wavg: 8192,
    Util,
  });
  const report = (disks: Record<string, ReturnType<typeof disk>>) =>
    ({ AllDiskStats: disks }) as unknown as TargetDiskStatsJson;
  const rows = diskIoRows({
    t2: report({ vdb: disk(100, 7), vda: disk(50, 3) }),
    t1: report({ sda: disk(1_048_576, 42) }),
    t3: report({}),
  });
  assert.deepEqual(
    rows.map((row) => `${row.target}:${row.disk}:${row.readBytesPerSecond}:${row.utilPercent}`),
    ['t1:sda:1048576:42', 't2:vda:50:3', 't2:vdb:100:7'],
  );
  assert.equal(rows[0]?.writeBytesPerSecond, 2_097_152);
  assert.equal(rows[0]?.avgWriteBytes, 8192);
  const [header, first] = diskIoTable(rows);
  assert.match(
    header ?? '',
    /^TARGET +DISK +READ +READ\(AVG SIZE\) +WRITE +WRITE\(AVG SIZE\) +UTIL\(%\)/,
  );
  assert.match(first ?? '', /^t1 +sda +1\.00MiB\/s +4\.00KiB +2\.00MiB\/s +8\.00KiB +42$/);
});
