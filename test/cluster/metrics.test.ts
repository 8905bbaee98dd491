// `GET /metrics` on a real cluster (1 gateway, 1 target with 2 mountpaths): after a known workload
// (native and S3 PUTs and GETs, failed range reads, reads of missing objects, a bucket copy) the
// counters parsed with a Prometheus text parser are exact on both nodes, agree with the node's
// `what=node_stats` tracker, and the mountpath (capacity, disk IO), cache, job and process metrics
// are there; the per-disk rates move when the disk is written and read.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { deviceNumbers, readDiskStats } from '../../src/roles/common/metrics/disk-stats.js';
import type { Client, TargetDiskStatsJson } from '../../src/sdk/index.js';
import { filesOf } from '../harness/disk.js';
import { Scrape } from '../harness/prometheus-text.js';
import { sdkClient } from '../harness/s3-setup.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import { s3Put } from './integration-helpers.js';

const bucket = { name: 'metered', provider: 'ais' };
const objectBytes = 4096;
const puts = 7;
const gets = 5;
const rangeErrors = 3;
const missing = 2;
const s3Puts = 2;
const s3Gets = 3;
/** GETs sent to the gateway that are not followed to the target (the SDK goes to targets itself). */
const redirected = 4;

describe('GET /metrics after a known workload', () => {
  let cluster: TestCluster;
  let client: Client;
  let s3: S3Client;
  let gateway: Scrape;
  let target: Scrape;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 1, mountpaths: 2 });
    client = cluster.client(0);
    s3 = sdkClient(cluster.primary.publicUrl);
    await client.createBucket(bucket);
    const body = Buffer.alloc(objectBytes, 0x61);
    for (let index = 0; index < puts; index += 1)
      await client.putObject(bucket, `object-${index}`, body);
    for (let index = 0; index < gets; index += 1) {
      const bytes = await client.getObjectBytes(bucket, `object-${index % 2}`);
      assert.equal(bytes.length, objectBytes);
    }
    // Straight to the target (no redirect): a range beyond the object (416) and missing objects.
    const direct = `${cluster.targets[0]?.publicUrl}/v1/objects/${bucket.name}`;
    for (let index = 0; index < rangeErrors; index += 1) {
      const response = await fetch(`${direct}/object-0?provider=ais`, {
        headers: { range: `bytes=${objectBytes * 10}-` },
      });
      await response.arrayBuffer();
      assert.equal(response.status, 416);
    }
    for (let index = 0; index < missing; index += 1) {
      const response = await fetch(`${direct}/no-such-${index}?provider=ais`);
      await response.arrayBuffer();
      assert.equal(response.status, 404);
    }
    for (let index = 0; index < s3Puts; index += 1)
      await s3Put(s3, bucket.name, `s3-${index}`, body);
    for (let index = 0; index < s3Gets; index += 1) {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: 's3-0' }));
      assert.equal((await answer.Body?.transformToByteArray())?.length, objectBytes);
    }
    for (let index = 0; index < redirected; index += 1) {
      const response = await fetch(
        `${cluster.primary.publicUrl}/v1/objects/${bucket.name}/object-0?provider=ais`,
        { redirect: 'manual' },
      );
      await response.arrayBuffer();
      assert.equal(response.status, 307);
    }
    const job = await client.jobs.copyBucket(bucket, { name: 'metered-copy', provider: 'ais' });
    await client.jobs.wait(job, { timeoutMs: 120_000 });
    gateway = await Scrape.of(cluster.primary.publicUrl);
    target = await Scrape.of(cluster.targets[0]?.publicUrl ?? '');
  });

  after(async () => {
    s3?.destroy();
    await cluster?.destroy();
  });

  test('the target counts each request of the workload, by API', () => {
    const native = { api: 'native' };
    assert.equal(target.value('ais_target_put_count', native), puts);
    assert.equal(target.value('ais_target_put_bytes', native), puts * objectBytes);
    assert.equal(target.value('ais_target_get_count', native), gets + rangeErrors + missing);
    assert.equal(target.value('ais_target_get_bytes', native), gets * objectBytes);
    assert.equal(target.value('ais_target_err_get_count', native), rangeErrors);
    assert.equal(target.value('ais_target_err_put_count', native), 0);
    const errors = { api: 'native', op: 'get' };
    assert.equal(
      target.value('cairn_request_errors_total', { ...errors, code: '416' }),
      rangeErrors,
    );
    assert.equal(target.value('cairn_request_errors_total', { ...errors, code: '404' }), missing);
    // Successful (and 404) reads are timed; failed ones are not.
    const histogram = 'cairn_request_duration_seconds';
    assert.equal(target.value(`${histogram}_count`, errors), gets + missing);
    assert.equal(target.value(`${histogram}_bucket`, { ...errors, le: '+Inf' }), gets + missing);
    assert.ok(target.value(`${histogram}_sum`, errors) > 0);
    assert.ok(target.value('ais_target_get_ns_total', native) > 0);
    const s3 = { api: 's3' };
    assert.equal(target.value('ais_target_put_count', s3), s3Puts);
    assert.equal(target.value('ais_target_put_bytes', s3), s3Puts * objectBytes);
    assert.equal(target.value('ais_target_get_count', s3), s3Gets);
    assert.equal(target.value('ais_target_get_bytes', s3), s3Gets * objectBytes);
  });

  test('the gateway counts what it redirected or forwarded', () => {
    assert.equal(gateway.value('ais_proxy_get_count', { api: 'native' }), redirected);
    assert.equal(gateway.value('ais_proxy_err_get_count', { api: 'native' }), 0);
    assert.equal(gateway.value('ais_proxy_put_count', { api: 's3' }), s3Puts);
    assert.equal(gateway.value('ais_proxy_get_count', { api: 's3' }), s3Gets);
    assert.equal(gateway.value('ais_proxy_get_bytes', { api: 's3' }), s3Gets * objectBytes);
  });

  test("every series carries the node's ID, and the counters agree with what=node_stats", async () => {
    const targetId = cluster.targets[0]?.id ?? '';
    for (const family of target.families.values())
      for (const sample of family.metrics)
        assert.equal(sample.labels?.['node_id'], targetId, family.name);
    const response = await fetch(`${cluster.targets[0]?.publicUrl}/v1/daemon?what=node_stats`);
    const stats = (await response.json()) as { tracker: Record<string, { v: string }> };
    // The scrape came later than the stats query: nothing was served to the target in between.
    const both = (name: string): number =>
      target.value(name, { api: 'native' }) + target.value(name, { api: 's3' });
    assert.equal(Number(stats.tracker['get.n']?.v), both('ais_target_get_count'));
    assert.equal(Number(stats.tracker['put.n']?.v), both('ais_target_put_count'));
    assert.equal(Number(stats.tracker['get.size']?.v), both('ais_target_get_bytes'));
    assert.equal(Number(stats.tracker['err.get.n']?.v), both('ais_target_err_get_count'));
  });

  test('mountpaths: capacity, enabled, not faulty', () => {
    const mountpaths = cluster.targets[0]?.spec.mountpaths ?? [];
    assert.equal(mountpaths.length, 2);
    for (const mountpath of mountpaths) {
      const labels = { mountpath };
      const total = target.value('cairn_mountpath_total_bytes', labels);
      assert.ok(total > 0);
      assert.ok(target.value('cairn_mountpath_used_bytes', labels) <= total);
      assert.ok(target.value('cairn_mountpath_available_bytes', labels) > 0);
      assert.equal(target.value('cairn_mountpath_enabled', labels), 1);
      assert.equal(target.value('cairn_mountpath_faulty', labels), 0);
    }
  });

  test("mountpaths: their disk's IO counters, between two readings of /proc/diskstats", async () => {
    const url = cluster.targets[0]?.publicUrl ?? '';
    const mountpaths = cluster.targets[0]?.spec.mountpaths ?? [];
    const deviceOf = async (path: string) => deviceNumbers((await stat(path)).dev);
    const before = await readDiskStats();
    const scrape = await Scrape.of(url);
    const afterwards = await readDiskStats();
    for (const mountpath of mountpaths) {
      const device = await deviceOf(mountpath);
      const [low, high] = [before.get(device), afterwards.get(device)];
      const read = scrape.samples('cairn_disk_read_bytes_total', { mountpath });
      if (low === undefined || high === undefined) {
        // No block device under it (tmpfs, overlay): no series rather than a made-up one.
        assert.equal(read.length, 0);
        continue;
      }
      const labels = { mountpath, disk: low.name };
      const within = (name: string, from: number, to: number): void => {
        const value = scrape.value(name, labels);
        assert.ok(from <= value && value <= to, `${name} ${value} not in [${from}, ${to}]`);
      };
      within('cairn_disk_read_bytes_total', low.readBytes, high.readBytes);
      within('cairn_disk_write_bytes_total', low.writeBytes, high.writeBytes);
      within('cairn_disk_io_seconds_total', low.ioSeconds, high.ioSeconds);
    }
  });

  test("disks: AIStore's rates over periodic.stats_time_ms move when the disk is used", async () => {
    const url = cluster.targets[0]?.publicUrl ?? '';
    const mountpaths = cluster.targets[0]?.spec.mountpaths ?? [];
    const mountpath = mountpaths[0] ?? '';
    const disks = await readDiskStats();
    const devices = await Promise.all(mountpaths.map(async (path) => (await stat(path)).dev));
    const disk = disks.get(deviceNumbers(devices[0] ?? 0));
    if (disk === undefined) {
      // No block device under it (tmpfs, overlay): no rates rather than made-up ones.
      assert.equal((await Scrape.of(url)).samples('ais_target_disk_util').length, 0);
      return;
    }
    await client.cluster.setConfig({ 'periodic.stats_time_ms': 200 });
    // Direct IO bypasses the page cache, so the device itself is written and read.
    const probe = join(mountpath, '..', 'disk-rates-probe');
    const run = promisify(execFile);
    const seen = { read: 0, write: 0, readSize: 0, writeSize: 0, util: 0 };
    try {
      await waitFor('disk read and write rates above 0', 15_000, async () => {
        await run('dd', ['if=/dev/zero', `of=${probe}`, 'bs=1M', 'count=4', 'oflag=direct']);
        await run('dd', [`if=${probe}`, 'of=/dev/null', 'bs=1M', 'iflag=direct']);
        const scrape = await Scrape.of(url);
        const labels = { disk: disk.name };
        const util = scrape.value('ais_target_disk_util', labels);
        assert.ok(util >= 0 && util <= 100, `util ${util}`);
        seen.read = Math.max(seen.read, scrape.value('ais_target_disk_read_mbps', labels));
        seen.write = Math.max(seen.write, scrape.value('ais_target_disk_write_mbps', labels));
        seen.readSize = Math.max(seen.readSize, scrape.value('ais_target_disk_avg_rsize', labels));
        seen.writeSize = Math.max(
          seen.writeSize,
          scrape.value('ais_target_disk_avg_wsize', labels),
        );
        seen.util = Math.max(seen.util, util);
        return Object.values(seen).every((value) => value > 0);
      });
    } finally {
      await rm(probe, { force: true });
      await client.cluster.setConfig({ 'periodic.stats_time_ms': 10_000 });
    }
    // The same rates in AIStore's what=disk (targets only), with the capacity.
    const answer = await fetch(`${url}/v1/daemon?what=disk`);
    const report = (await answer.json()) as TargetDiskStatsJson;
    assert.deepEqual(Object.keys(report.AllDiskStats), [disk.name]);
    const util = report.AllDiskStats[disk.name]?.Util ?? -1;
    assert.ok(util >= 0 && util <= 100 && Number(report.total_avail) > 0);
    const onGateway = await fetch(`${cluster.primary.publicUrl}/v1/daemon?what=disk`);
    await onGateway.arrayBuffer();
    assert.equal(onGateway.status, 400);
    // One series per disk, whatever the number of mountpaths on it; labelled by disk only.
    const scrape = await Scrape.of(url);
    const onDisks = new Set(devices.map((dev) => disks.get(deviceNumbers(dev))?.name));
    assert.equal(scrape.samples('ais_target_disk_util').length, onDisks.size);
    assert.deepEqual(Object.keys(scrape.samples('ais_target_disk_util')[0]?.labels ?? {}).sort(), [
      'disk',
      'node_id',
    ]);
  });

  test('job counters: the bucket copy started and finished once', () => {
    const kind = { kind: 'copy-bck' };
    assert.equal(target.value('cairn_jobs_started_total', kind), 1);
    assert.equal(target.value('cairn_jobs_ended_total', { ...kind, state: 'finished' }), 1);
    assert.equal(target.value('cairn_jobs_running', kind), 0);
    assert.equal(target.samples('cairn_running_job_objects').length, 0);
  });

  test('metadata cache, repairs, process and event-loop metrics', () => {
    // Five reads of two objects (and the copy's reads): at least three were served from the cache.
    assert.ok(target.value('cairn_metadata_cache_hits_total') >= gets - 2);
    assert.ok(target.value('cairn_metadata_cache_entries') > 0);
    assert.equal(target.value('cairn_repairs_total', { kind: 'ec' }), 0);
    assert.equal(target.value('cairn_repairs_total', { kind: 'mirror' }), 0);
    for (const scrape of [gateway, target]) {
      assert.ok(scrape.value('process_resident_memory_bytes') > 0);
      assert.equal(scrape.family('nodejs_eventloop_lag_p99_seconds').type, 'GAUGE');
      assert.equal(scrape.family('nodejs_heap_size_used_bytes').type, 'GAUGE');
    }
    assert.ok(target.value('ais_target_uptime') > 0);
  });

  test('home replicas of a mirrored bucket removed: each read repairs one, counted as mirror', async () => {
    const mirrored = { name: 'metered-mirror', provider: 'ais' };
    await client.createBucket(mirrored, { mirror: { enabled: true, copies: 2 } });
    const names = ['a', 'b', 'c'];
    const mountpaths = cluster.targets[0]?.spec.mountpaths ?? [];
    for (const name of names) {
      await client.putObject(mirrored, name, Buffer.from(`mirrored ${name}`));
      const home = (await client.headObject(mirrored, name)).location?.split(':')[1] ?? '';
      const replicas = (await Promise.all(mountpaths.map((root) => filesOf(root, '%ob', name))))
        .flat()
        .filter((path) => path.includes(`/${mirrored.name}/`));
      const main = replicas.find((path) => path.startsWith(`${home}/`));
      assert.ok(main !== undefined && replicas.length === 2, `${name}: ${replicas.join(', ')}`);
      await rm(main);
      assert.equal((await client.getObjectBytes(mirrored, name)).toString(), `mirrored ${name}`);
    }
    const url = cluster.targets[0]?.publicUrl ?? '';
    await waitFor('three mirror repairs counted', 30_000, async () => {
      const scrape = await Scrape.of(url);
      return scrape.value('cairn_repairs_total', { kind: 'mirror' }) === names.length;
    });
    const scrape = await Scrape.of(url);
    assert.equal(scrape.value('cairn_repairs_total', { kind: 'ec' }), 0);
    assert.equal(scrape.value('cairn_repairs_total', { kind: 'failed' }), 0);
  });

  test('HEAD, DELETE and list pages by operation; metadata cache hits, exact', async () => {
    const url = cluster.targets[0]?.publicUrl ?? '';
    const direct = `${url}/v1/objects/${bucket.name}`;
    const send = async (method: string, name: string, status: number): Promise<void> => {
      const response = await fetch(`${direct}/${name}?provider=ais`, { method });
      await response.arrayBuffer();
      assert.equal(response.status, status, `${method} ${name}`);
    };
    // object-1 was read by the workload: its metadata is cached, each read a hit.
    const start = await Scrape.of(url);
    const reads = 3;
    for (let index = 0; index < reads; index += 1) await send('GET', 'object-1', 200);
    const read = await Scrape.of(url);
    const delta = (later: Scrape, earlier: Scrape, name: string, labels = {}): number =>
      later.value(name, labels) - earlier.value(name, labels);
    assert.equal(delta(read, start, 'cairn_metadata_cache_hits_total'), reads);
    assert.equal(delta(read, start, 'cairn_metadata_cache_misses_total'), 0);

    const heads = 2;
    const deletes = 2;
    for (let index = 0; index < deletes; index += 1)
      await client.putObject(bucket, `doomed-${index}`, Buffer.from('doomed'));
    const afterPuts = await Scrape.of(url);
    for (let index = 0; index < heads; index += 1) await send('HEAD', 'object-2', 200);
    for (let index = 0; index < deletes; index += 1) await send('DELETE', `doomed-${index}`, 200);
    await send('HEAD', 'doomed-0', 404);
    const names = [];
    for await (const entry of client.listObjects(bucket)) names.push(entry.name);
    assert.equal(names.length, puts + s3Puts);
    const done = await Scrape.of(url);
    const native = { api: 'native' };
    assert.equal(delta(done, afterPuts, 'ais_target_head_count', native), heads + 1);
    assert.equal(delta(done, afterPuts, 'ais_target_err_head_count', native), 0);
    assert.equal(delta(done, afterPuts, 'ais_target_del_count', native), deletes);
    assert.equal(delta(done, afterPuts, 'ais_target_lst_count', native), 1);
    const errors = { api: 'native', op: 'head', code: '404' };
    assert.equal(delta(done, afterPuts, 'cairn_request_errors_total', errors), 1);
    for (const op of ['head', 'del', 'lst'])
      assert.ok(
        delta(done, afterPuts, 'cairn_request_duration_seconds_count', { ...native, op }) > 0,
        op,
      );
    assert.equal(delta(done, afterPuts, 'ais_target_get_count', native), 0);
  });

  test("a running job's progress (objects it handled), then its end counted as aborted", async () => {
    // Three objects the template's first names select, then millions of absent ones: the job
    // runs long enough to be read while running, with exactly three objects done.
    const doomed = 3;
    for (let index = 0; index < doomed; index += 1)
      await client.putObject(bucket, `t-${String(index).padStart(7, '0')}`, Buffer.from('t'));
    const id = await client.jobs.deleteObjects(bucket, { template: 't-{0000000..8999999}' });
    const url = cluster.targets[0]?.publicUrl ?? '';
    const progress = { kind: 'delete-listrange', job: id };
    try {
      await waitFor('the job to report its three objects', 30_000, async () => {
        const scrape = await Scrape.of(url);
        return (
          scrape.value('cairn_running_job_objects', { ...progress, direction: 'local' }) === doomed
        );
      });
      const scrape = await Scrape.of(url);
      assert.equal(scrape.value('cairn_running_job_objects', { ...progress, direction: 'out' }), 0);
      assert.equal(scrape.value('cairn_jobs_running', { kind: 'delete-listrange' }), 1);
    } finally {
      await client.jobs.stop({ id });
    }
    assert.equal((await client.jobs.wait(id, { timeoutMs: 60_000 })).aborted, true);
    const ended = await Scrape.of(url);
    assert.equal(ended.samples('cairn_running_job_objects', { job: id }).length, 0);
    assert.equal(ended.value('cairn_jobs_running', { kind: 'delete-listrange' }), 0);
    const kind = { kind: 'delete-listrange' };
    assert.equal(ended.value('cairn_jobs_started_total', kind), 1);
    assert.equal(ended.value('cairn_jobs_ended_total', { ...kind, state: 'aborted' }), 1);
  });

  test('only GET and HEAD; a bucket named metrics stays reachable under /s3/', async () => {
    const head = await fetch(`${cluster.primary.publicUrl}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const post = await fetch(`${cluster.primary.publicUrl}/metrics`, { method: 'POST' });
    await post.arrayBuffer();
    assert.equal(post.status, 405);
    await client.createBucket({ name: 'metrics', provider: 'ais' });
    await s3Put(s3, 'metrics', 'inside', Buffer.from('reserved'));
    const answer = await s3.send(new GetObjectCommand({ Bucket: 'metrics', Key: 'inside' }));
    assert.equal(await answer.Body?.transformToString(), 'reserved');
  });

  // Last: it leaves the target with one mountpath.
  test('a mountpath detached: its resilver started and finished once', async () => {
    const node = cluster.targets[0];
    const mountpath = node?.spec.mountpaths[1] ?? '';
    const id = await client.cluster.mountpath(node?.id ?? '', 'detach', mountpath);
    const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
    assert.equal(status.kind, 'resilver');
    assert.equal(status.err, '');
    const scrape = await Scrape.of(node?.publicUrl ?? '');
    const kind = { kind: 'resilver' };
    assert.equal(scrape.value('cairn_jobs_started_total', kind), 1);
    assert.equal(scrape.value('cairn_jobs_ended_total', { ...kind, state: 'finished' }), 1);
    assert.equal(scrape.value('cairn_jobs_running', kind), 0);
    assert.equal(scrape.value('cairn_mountpath_enabled', { mountpath }), 0);
  });
});
