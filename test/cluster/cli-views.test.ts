// The CLI's views on a real cluster (1 gateway, 2 targets with 2 mountpaths) after a known
// workload: `show performance` (counters, throughput, latency, capacity, disk IO), `show disk`,
// `show job` (with --refresh and --count), `log get`, each parsed from `--json`, and the tables.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Client, NodeStatusJson } from '../../src/sdk/index.js';
import type { DiskIoRow } from '../../src/cli/views/disk-io-view.js';
import type { DiskRow } from '../../src/cli/views/disk-view.js';
import { deviceNumbers, readDiskStats } from '../../src/roles/common/metrics/disk-stats.js';
import type { JobRow } from '../../src/cli/views/job-view.js';
import type {
  CapacityRow,
  LatencyRow,
  ThroughputRow,
} from '../../src/cli/views/performance-views.js';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const bucket = { name: 'viewed', provider: 'ais' };
const objectBytes = 2048;
const puts = 12;
const gets = 9;
const rangeErrors = 2;

describe('CLI views after a known workload', () => {
  let cluster: TestCluster;
  let client: Client;
  let jobId = '';
  let cli: (...args: string[]) => Promise<string>;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 2 });
    client = cluster.client(0);
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    cli = async (...args) =>
      (await run(process.execPath, [cairnEntry, ...args], { env, timeout: 60_000 })).stdout;
    await client.createBucket(bucket);
    for (let index = 0; index < puts; index += 1)
      await client.putObject(bucket, `object-${index}`, Buffer.alloc(objectBytes, index));
    for (let index = 0; index < gets; index += 1)
      await client.getObjectBytes(bucket, `object-${index}`);
    for (let index = 0; index < rangeErrors; index += 1) {
      const range = { start: objectBytes * 4 };
      await assert.rejects(client.getObject(bucket, 'object-0', { range }));
    }
    jobId = await client.jobs.copyBucket(bucket, { name: 'viewed-copy', provider: 'ais' });
    await client.jobs.wait(jobId, { timeoutMs: 120_000 });
  });

  after(() => cluster?.destroy());

  // The views order targets as the CLI does (locale order: node IDs differ in case, so
  // code-unit order would differ for some random IDs).
  const targetIds = (): string[] =>
    cluster.targets.map((node) => node.id).sort((a, b) => a.localeCompare(b));

  test('show performance --json: the counters of the workload, summed over the targets', async () => {
    const statuses = JSON.parse(await cli('show', 'performance', '--json')) as Record<
      string,
      NodeStatusJson
    >;
    assert.deepEqual(
      Object.keys(statuses).sort((a, b) => a.localeCompare(b)),
      targetIds(),
    );
    const sum = (name: string): number =>
      Object.values(statuses).reduce((total, status) => total + Number(status.tracker[name]?.v), 0);
    assert.equal(sum('put.n'), puts);
    assert.equal(sum('put.size'), puts * objectBytes);
    assert.equal(sum('get.n'), gets + rangeErrors);
    assert.equal(sum('get.size'), gets * objectBytes);
    assert.equal(sum('err.get.n'), rangeErrors);
    const table = await cli('show', 'performance');
    for (const id of targetIds()) assert.match(table, new RegExp(`^${id} `, 'm'));
  });

  test('show performance throughput --refresh 1 --count 2 --json: one line per frame', async () => {
    const lines = (
      await cli('show', 'performance', 'throughput', '--refresh', '1', '--count', '2', '--json')
    )
      .split('\n')
      .filter((line) => line !== '');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      const rows = JSON.parse(line) as ThroughputRow[];
      assert.deepEqual(
        rows.map((row) => row.target),
        targetIds(),
      );
      for (const row of rows) {
        assert.ok(row.intervalSeconds > 0);
        assert.equal(row.getsPerSecond, row.gets / row.intervalSeconds);
        assert.equal(row.putBytesPerSecond, row.putBytes / row.intervalSeconds);
        // Nothing but the CLI's own status queries ran meanwhile: no object requests.
        assert.equal(row.gets + row.puts + row.errors, 0);
      }
    }
    const table = await cli('show', 'performance', 'throughput');
    assert.match(table, /^TARGET +GET\/S/m);
  });

  test('show performance latency and capacity --json', async () => {
    const latency = JSON.parse(
      await cli('show', 'performance', 'latency', '--json'),
    ) as LatencyRow[];
    assert.deepEqual(
      latency.map((row) => row.target),
      targetIds(),
    );
    for (const row of latency) assert.equal(row.getMs, null); // no GETs in the interval
    const capacity = JSON.parse(
      await cli('show', 'performance', 'capacity', '--json'),
    ) as CapacityRow[];
    assert.equal(capacity.length, 2);
    for (const row of capacity) {
      assert.equal(row.mountpaths, 2);
      assert.ok(row.totalBytes > 0 && row.usedBytes <= row.totalBytes);
      assert.ok(row.usedPercent >= 0 && row.usedPercent <= 100);
    }
  });

  test('show disk --json: every mountpath of every target, enabled', async () => {
    const rows = JSON.parse(await cli('show', 'disk', '--json')) as DiskRow[];
    const expected = cluster.targets
      .flatMap((node) => node.spec.mountpaths.map((mountpath) => `${node.id} ${mountpath}`))
      .sort();
    assert.deepEqual(rows.map((row) => `${row.target} ${row.mountpath}`).sort(), expected);
    for (const row of rows) {
      assert.equal(row.state, 'enabled');
      assert.ok(row.availableBytes > 0);
    }
    assert.match(await cli('show', 'disk'), /^TARGET +MOUNTPATH +STATE/m);
  });

  test("show performance disk --json: each target's disks, rates over periodic.stats_time_ms", async () => {
    // The disks under each target's mountpaths (none on tmpfs or overlay).
    const counters = await readDiskStats();
    const expected: string[] = [];
    for (const node of cluster.targets) {
      const names = new Set<string>();
      for (const mountpath of node.spec.mountpaths) {
        const name = counters.get(deviceNumbers((await stat(mountpath)).dev))?.name;
        if (name !== undefined) names.add(name);
      }
      for (const name of names) expected.push(`${node.id} ${name}`);
    }
    await client.cluster.setConfig({ 'periodic.stats_time_ms': 200 });
    try {
      let rows: DiskIoRow[] = [];
      await waitFor('every target reports its disks', 15_000, async () => {
        rows = JSON.parse(await cli('show', 'performance', 'disk', '--json')) as DiskIoRow[];
        return rows.length === expected.length;
      });
      assert.deepEqual(rows.map((row) => `${row.target} ${row.disk}`).sort(), expected.sort());
      for (const row of rows) {
        assert.ok(row.utilPercent >= 0 && row.utilPercent <= 100);
        assert.ok(row.readBytesPerSecond >= 0 && row.writeBytesPerSecond >= 0);
      }
      assert.match(
        await cli('show', 'performance', 'disk'),
        /^TARGET +DISK +READ +READ\(AVG SIZE\) +WRITE +WRITE\(AVG SIZE\) +UTIL\(%\)/m,
      );
    } finally {
      await client.cluster.setConfig({ 'periodic.stats_time_ms': 10_000 });
    }
  });

  test('show job: the bucket copy finished with every object; --refresh frames', async () => {
    const all = JSON.parse(await cli('show', 'job', '--json')) as JobRow[];
    const copy = all.find((row) => row.id === jobId);
    assert.ok(copy !== undefined, `job ${jobId} in ${JSON.stringify(all)}`);
    assert.equal(copy.kind, 'copy-bck');
    assert.equal(copy.state, 'finished');
    assert.equal(copy.objects, puts);
    assert.equal(copy.bytes, puts * objectBytes);
    assert.equal(copy.targetsDone, copy.targets);
    const frames = (await cli('show', 'job', jobId, '--refresh', '1', '--count', '2', '--json'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as JobRow[]);
    assert.equal(frames.length, 2);
    for (const frame of frames) assert.deepEqual(frame, [copy]);
    assert.match(await cli('show', 'job', jobId), new RegExp(`^${jobId} +copy-bck +finished`, 'm'));
  });

  test("log get: the tail of a target's log, parsed with --json", async () => {
    const id = cluster.targets[0]?.id ?? '';
    type LogAnswer = { node: string; severity: string; lines: Record<string, unknown>[] };
    const whole = JSON.parse(await cli('log', 'get', id, '--json')) as LogAnswer;
    assert.equal(whole.node, id);
    assert.equal(whole.severity, 'info');
    assert.ok(whole.lines.some((line) => line['message'] === 'ready'));
    for (const line of whole.lines) assert.equal(line['node'], id);
    const tail = JSON.parse(await cli('log', 'get', id, '--tail', '2', '--json')) as LogAnswer;
    assert.equal(tail.lines.length, 2);
    // The log may grow between the two calls: the tail's lines are in the file, in order.
    const later = JSON.parse(await cli('log', 'get', id, '--json')) as LogAnswer;
    const text = later.lines.map((line) => JSON.stringify(line));
    const first = text.indexOf(JSON.stringify(tail.lines[0]));
    assert.ok(first >= whole.lines.length - 2);
    assert.equal(text[first + 1], JSON.stringify(tail.lines[1]));
    const plain = await cli('log', 'get', id, '--tail', '3');
    assert.equal(plain.trimEnd().split('\n').length, 3);
  });

  test('bad input: an unknown view is a usage error', async () => {
    await assert.rejects(cli('show', 'performance', 'bogus'), (error: { stderr: string }) => {
      assert.match(error.stderr, /unknown performance view "bogus"/);
      return true;
    });
  });
});
