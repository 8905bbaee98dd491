// Issue 12 (items 6-8): the calls AIStore's own clients make beyond plain buckets and objects, with
// their exact wire shapes. Job queries with upper- or lower-case keys and a null Bck, unknown IDs,
// an `lru` job; a node's log, stats and status through `/v1/reverse/daemon`; bucket summaries by
// `summary-bck` and by HEAD `bsumm_remote`. Through raw HTTP, the TypeScript SDK and the CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BucketSummaryJson, Client, JobSnapshotsByNodeJson } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { rawRequest, type RawResponse } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';

const run = promisify(execFile);
const bucket = { name: 'summ', provider: 'ais' };
const zeroTime = '0001-01-01T00:00:00Z';

/** What AIStore's Python SDK sends as a job query (`JobArgs.as_dict`). */
function pythonArgs(id: string, kind = ''): string {
  return JSON.stringify({ ID: id, Kind: kind, DaemonID: '', Bck: null, Buckets: null });
}

async function poll<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const result = await attempt();
    if (result !== undefined) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not done after 200 polls`);
}

function json<T>(response: RawResponse): T {
  return JSON.parse(response.body) as T;
}

function messageOf(response: RawResponse): string {
  const text = response.body !== '' ? response.body : String(response.headers['hdr-error'] ?? '');
  return (JSON.parse(text) as { message: string }).message;
}

describe('AIStore client calls: jobs, node requests, bucket summaries (issue 12)', () => {
  let cluster: TestCluster;
  let client: Client;
  let gateway: string;

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 2, targets: 3, mountpaths: 1 },
      bucket,
    ));
    gateway = cluster.primary.publicUrl;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        client.putObject(bucket, `${i < 10 ? 'a' : 'b'}/${i}`, Buffer.alloc(100 * (i + 1), i)),
      ),
    );
  });
  after(() => cluster?.destroy());

  test('job queries: upper- or lower-case keys, null or missing Bck; AIStore errors, never 5xx', async () => {
    const start = await rawRequest(gateway, 'PUT', '/v1/cluster', {
      body: `{"action":"start","name":"","value":${pythonArgs('', 'lru')}}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(start.status, 200, start.body);
    const id = start.body;
    assert.match(id, /^\w{8,}$/, 'a plain-text job ID');
    const status = await poll('lru', async () => {
      const response = await rawRequest(gateway, 'GET', '/v1/cluster?what=status', {
        body: pythonArgs(id),
      });
      assert.equal(response.status, 200, response.body);
      const value = json<{ end_time: number }>(response);
      return value.end_time !== 0 ? value : undefined;
    });
    assert.deepEqual(status, {
      kind: 'lru',
      uuid: id,
      err: '',
      end_time: status.end_time,
      aborted: false,
      is_idle: false,
    });
    const bodies = [
      pythonArgs(id),
      JSON.stringify({ id, kind: 'lru', bck: null }),
      JSON.stringify({ Id: id }),
      JSON.stringify({ ID: id, Kind: 'lru-eviction', Bck: { name: '', provider: '' } }),
    ];
    for (const base of cluster.proxies.map((proxy) => proxy.publicUrl)) {
      for (const body of bodies) {
        for (const what of ['qryxstats', 'getxstats', 'status', 'status_all', 'running_all']) {
          const response = await rawRequest(base, 'GET', `/v1/cluster?what=${what}`, { body });
          assert.equal(response.status, 200, `${what} ${body}: ${response.body}`);
        }
        const snaps = await rawRequest(base, 'GET', '/v1/cluster?what=qryxstats', { body });
        const byTarget = json<JobSnapshotsByNodeJson>(snaps);
        assert.deepEqual(Object.keys(byTarget).sort(), cluster.targets.map((t) => t.id).sort());
        for (const [snapshot] of Object.values(byTarget)) {
          assert.equal(snapshot?.id, id);
          assert.notEqual(snapshot?.['end-time'], zeroTime);
        }
      }
    }
    const all = await rawRequest(gateway, 'GET', '/v1/cluster?what=status_all', {
      body: JSON.stringify({ kind: 'lru', node: '', show_active: false }),
    });
    assert.ok(json<Array<{ uuid: string }>>(all).some((entry) => entry.uuid === id));

    // Unknown job: 404 with AIStore's wording, for the raw call and the SDK.
    const unknown = 'Xunknown12';
    const notFound = await rawRequest(gateway, 'GET', '/v1/cluster?what=qryxstats', {
      body: pythonArgs(unknown),
    });
    assert.equal(notFound.status, 404);
    assert.equal(messageOf(notFound), `"x-[${unknown}]" not found`);
    const noStatus = await rawRequest(gateway, 'GET', '/v1/cluster?what=status', {
      body: pythonArgs(unknown),
    });
    assert.equal(noStatus.status, 404);
    assert.match(messageOf(noStatus), /^nl not found: x-\[Xunknown12\]/);
    await assert.rejects(client.jobs.status(unknown), (error: Error & { status?: number }) => {
      return error.status === 404;
    });
    // Neither ID nor kind; a kind mismatch; a bucket that does not exist; not an object.
    const cases: Array<[string, string, number, RegExp]> = [
      ['status', pythonArgs(''), 400, /^invalid x-$/],
      ['status', pythonArgs(id, 'delete-listrange'), 400, /^kind mismatch: /],
      [
        'qryxstats',
        JSON.stringify({ ID: id, Bck: { name: 'nope', provider: 'ais' } }),
        404,
        /bucket "ais:\/\/nope" does not exist/,
      ],
      ['qryxstats', '[1]', 400, /failed to unmarshal/],
      ['status', JSON.stringify({ ID: 5 }), 400, /failed to unmarshal/],
    ];
    for (const [what, body, expected, message] of cases) {
      const response = await rawRequest(gateway, 'GET', `/v1/cluster?what=${what}`, { body });
      assert.equal(response.status, expected, `${what} ${body}: ${response.body}`);
      assert.match(messageOf(response), message);
    }
    // start refuses keys ArgsMsg does not have (AIStore decodes action values strictly).
    const strict = await rawRequest(gateway, 'PUT', '/v1/cluster', {
      body: JSON.stringify({ action: 'start', value: { Kind: 'lru', Nope: 1 } }),
    });
    assert.equal(strict.status, 400);
    assert.match(messageOf(strict), /unknown field "Nope"/);
  });

  test('lru: a real job on every target that finds nothing to evict and says so', async () => {
    const first = await client.jobs.start('lru');
    const second = await client.jobs.start('lru', { bucket });
    for (const id of [first, second]) {
      const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
      assert.equal(status.err, '');
      const snapshots = await client.jobs.snapshots({ id });
      assert.equal(Object.keys(snapshots).length, 3);
      for (const snapshot of Object.values(snapshots).flat()) {
        assert.equal(snapshot.kind, 'lru');
        assert.equal(snapshot.stats['lru-evicted-objs'], '0');
        assert.equal(snapshot.stats['lru-remote-buckets'], '0');
        assert.equal(snapshot.stats['lru-skipped-ais-buckets'], '1');
        assert.match(snapshot.ctlmsg ?? '', /nothing to evict: no remote buckets/);
      }
    }
    const listed = await client.jobs.list({ kind: 'lru' });
    for (const id of [first, second])
      assert.ok(listed.some((status) => status.uuid === id && status.end_time > 0));
  });

  test('summary-bck: 202 and a job ID, then 200 with AIStore BsummResult', async () => {
    const path = '/v1/buckets/summ?provider=ais';
    const ask = (value: object): Promise<RawResponse> =>
      rawRequest(gateway, 'GET', path, {
        body: JSON.stringify({ action: 'summary-bck', name: '', value }),
        headers: { 'content-type': 'application/json' },
      });
    const value = { uuid: '', prefix: '', cached: true, present: true };
    const started = await ask(value);
    assert.equal(started.status, 202);
    const id = started.body;
    assert.match(id, /^\w{8,}$/);
    const done = await poll('summary', async () => {
      const response = await ask({ ...value, uuid: id });
      assert.ok([200, 202, 206].includes(response.status), response.body);
      return response.status === 200 ? response : undefined;
    });
    const [summary, ...rest] = json<BucketSummaryJson[]>(done);
    assert.equal(rest.length, 0);
    const sizes = Array.from({ length: 30 }, (_, i) => 100 * (i + 1));
    const total = sizes.reduce((sum, size) => sum + size, 0);
    assert.deepEqual(summary?.ObjCount, { obj_count_present: '30', obj_count_remote: '0' });
    assert.deepEqual(summary?.ObjSize, {
      obj_min_size: 100,
      obj_avg_size: Math.round(total / 30),
      obj_max_size: 3000,
    });
    assert.equal(summary?.TotalSize.size_all_present_objs, String(total));
    assert.equal(summary?.TotalSize.size_all_remote_objs, '0');
    assert.equal(summary?.TotalSize.size_on_disk, String(total));
    assert.match(summary?.TotalSize.total_disks_size ?? '', /^[1-9]\d*$/);
    assert.equal(summary?.used_pct, 0);
    assert.equal(summary?.is_present, true);
    assert.deepEqual(
      [summary?.name, summary?.provider, summary?.namespace],
      ['summ', 'ais', { uuid: '', name: '' }],
    );
    // The SDK (with a prefix), the errors clients parse, and an empty bucket.
    const prefixed = await client.jobs.bucketSummary(bucket, { prefix: 'a/', timeoutMs: 60_000 });
    assert.equal(prefixed.ObjCount.obj_count_present, '10');
    const unknownJob = await ask({ uuid: 'Xunknown12' });
    assert.equal(unknownJob.status, 404);
    assert.equal(messageOf(unknownJob), '"x-summary-bck[Xunknown12]" not found');
    assert.equal((await ask({ uuid: 'x' })).status, 400);
    assert.equal((await ask({ uuid: '', nope: true })).status, 400);
    const missing = await rawRequest(gateway, 'GET', '/v1/buckets/nope', {
      body: JSON.stringify({ action: 'summary-bck', value }),
    });
    assert.equal(missing.status, 404);
    assert.equal(messageOf(missing), 'bucket "ais://nope" does not exist');
    await client.createBucket({ name: 'empty', provider: 'ais' });
    const empty = await client.jobs.bucketSummary({ name: 'empty', provider: 'ais' });
    assert.deepEqual(empty.ObjCount, { obj_count_present: '0', obj_count_remote: '0' });
    assert.deepEqual(empty.ObjSize, { obj_min_size: 0, obj_avg_size: 0, obj_max_size: 0 });
    assert.equal(empty.used_pct, 0);
    // The CLI.
    const env = { ...process.env, CAIRN_ENDPOINT: gateway };
    const { stdout } = await run(
      process.execPath,
      [cairnEntry, 'bucket', 'summary', 'ais://summ', '--json'],
      { env },
    );
    assert.equal((JSON.parse(stdout) as BucketSummaryJson).ObjCount.obj_count_present, '30');
  });

  test('HEAD bucket with bsumm_remote: 202 + Ais-Xaction-Id, polled with uuid to 200 + Ais-Bucket-Summ', async () => {
    // As AIStore's `Bucket.info(prefix="b/")`: the prefix in the path, then polls without it.
    const first = await rawRequest(
      gateway,
      'HEAD',
      '/v1/buckets/summ/b/?provider=ais&presence=0&bsumm_remote=True',
    );
    assert.equal(first.status, 202);
    const id = String(first.headers['ais-xaction-id'] ?? '');
    assert.match(id, /^\w{8,}$/);
    const props = JSON.parse(String(first.headers['ais-bucket-props'])) as { provider: string };
    assert.equal(props.provider, 'ais');
    const done = await poll('HEAD summary', async () => {
      const response = await rawRequest(
        gateway,
        'HEAD',
        `/v1/buckets/summ?provider=ais&presence=0&bsumm_remote=True&uuid=${id}`,
      );
      assert.ok([200, 202, 206].includes(response.status), String(response.headers['hdr-error']));
      assert.equal(response.headers['ais-xaction-id'], id);
      return response.status === 200 ? response : undefined;
    });
    const summary = JSON.parse(String(done.headers['ais-bucket-summ'])) as BucketSummaryJson;
    assert.equal(summary.ObjCount.obj_count_present, '20');
    const info = await client.jobs.bucketInfo(bucket, { timeoutMs: 60_000 });
    assert.equal(info.summary.ObjCount.obj_count_present, '30');
    assert.equal(info.props.provider, 'ais');
    // Refused: a prefix without a summary, a job ID without one, a bucket that does not exist.
    assert.equal((await rawRequest(gateway, 'HEAD', '/v1/buckets/summ/b')).status, 400);
    assert.equal((await rawRequest(gateway, 'HEAD', `/v1/buckets/summ?uuid=${id}`)).status, 400);
    const missing = await rawRequest(gateway, 'HEAD', '/v1/buckets/nope?bsumm_remote=true');
    assert.equal(missing.status, 404);
    assert.match(messageOf(missing), /bucket "ais:\/\/nope" does not exist/);
  });

  test('node stats: requests, bytes and failures each target served; AIStore shapes', async () => {
    const sum = async (name: string): Promise<number> => {
      const statuses = await client.cluster.performance();
      return Object.values(statuses).reduce((total, s) => total + Number(s.tracker[name]?.v), 0);
    };
    const names = ['get.n', 'get.size', 'put.n', 'put.size', 'err.get.n'];
    const before = await Promise.all(names.map(sum));
    const other = { name: 'stats', provider: 'ais' };
    await client.createBucket(other);
    for (let i = 0; i < 4; i += 1) await client.putObject(other, `o${i}`, Buffer.alloc(1000, i));
    for (let i = 0; i < 4; i += 1) await client.getObjectBytes(other, `o${i}`);
    await assert.rejects(client.getObject(other, 'o0', { range: { start: 5000 } }));
    const afterwards = await Promise.all(names.map(sum));
    const delta = names.map((_, i) => (afterwards[i] ?? 0) - (before[i] ?? 0));
    // Five reads (one refused with 416: a failure, no bytes), four writes.
    assert.deepEqual(delta, [5, 4000, 4, 4000, 1]);

    const target = cluster.targets[0]?.id ?? '';
    const stats = await client.cluster.nodeStats(target);
    assert.equal(stats.snode.daemon_id, target);
    assert.match(stats.tracker['get.n']?.v ?? '', /^\d+$/);
    assert.match(stats.tracker['up.ns.time']?.v ?? '', /^[1-9]\d*$/);
    assert.equal(Object.keys(stats.capacity.mountpaths).length, 1);
    const status = await rawRequest(gateway, 'GET', '/v1/reverse/daemon?what=node_status', {
      headers: { 'ais-node-id': target },
    });
    const value = json<Record<string, unknown>>(status);
    for (const key of ['snode', 'tracker', 'capacity', 'status', 'sys_info', 'smap_version'])
      assert.ok(key in value, key);
    assert.equal(value.status, '');
    const metrics = json<Record<string, string>>(
      await rawRequest(gateway, 'GET', '/v1/daemon?what=metrics'),
    );
    assert.equal(metrics['get.n'], 'counter');
    assert.equal(metrics['get.size'], 'size');
    const env = { ...process.env, CAIRN_ENDPOINT: gateway };
    const { stdout } = await run(process.execPath, [cairnEntry, 'show', 'performance'], { env });
    for (const node of cluster.targets) assert.match(stdout, new RegExp(`^${node.id} `, 'm'));
  });

  test('node log through /v1/reverse/daemon: severity, offset, rotated files in all=true', async () => {
    const target = cluster.targets[1];
    const id = target?.id ?? '';
    const ask = (search: string, nodeId = id): Promise<RawResponse> =>
      rawRequest(gateway, 'GET', `/v1/reverse/daemon?what=log${search}`, {
        headers: nodeId === '' ? {} : { 'ais-node-id': nodeId },
      });
    const full = await ask('&severity=info');
    assert.equal(full.status, 200);
    assert.match(full.body, /"message":"ready"/);
    const offset = Math.floor(full.body.length / 2);
    const tail = await ask(`&severity=info&offset=${offset}`);
    assert.equal(tail.status, 200);
    assert.ok(tail.body.startsWith(full.body.slice(offset)));
    assert.equal((await ask('&severity=warning')).status, 200);
    const cases: Array<[string, string, number, RegExp]> = [
      ['&severity=x', id, 400, /unknown log severity "x"/],
      ['&offset=999999999', id, 400, /^log likely rotated \(offset 999999999, size \d+\)$/],
      ['', '', 400, /missing node ID/],
      ['', 'nope', 404, /node nope not present/],
    ];
    for (const [search, nodeId, expected, message] of cases) {
      const response = await ask(search, nodeId);
      assert.equal(response.status, expected, `${search} ${nodeId}`);
      assert.match(messageOf(response), message);
    }
    // The file under the node's directory; a gateway's log by its ID; the CLI.
    assert.ok((await readdir(join(target?.spec.dir ?? '', 'log'))).includes('cairn.INFO'));
    assert.match(await client.cluster.nodeLog(cluster.primary.id), /"role":"proxy"/);
    const env = { ...process.env, CAIRN_ENDPOINT: gateway };
    const { stdout } = await run(process.execPath, [cairnEntry, 'show', 'log', id], { env });
    assert.match(stdout, /"message":"ready"/);

    // A target whose files rotate at 4 KiB keeping 2 old ones: every job logs two lines there.
    const small = await cluster.addTarget(1, [
      '--log-max-file-bytes',
      '4096',
      '--log-max-old-files',
      '2',
    ]);
    await cluster.waitForMembers();
    for (let i = 0; i < 25; i += 1) await client.jobs.wait(await client.jobs.start('lru'));
    const files = (await readdir(join(small.spec.dir, 'log'))).filter((name) =>
      name.startsWith('cairn.INFO'),
    );
    assert.deepEqual(files.sort(), ['cairn.INFO', 'cairn.INFO.1', 'cairn.INFO.2']);
    const archive = await client.cluster.nodeLogArchive(small.id);
    const listing = execFileSync('tar', ['-tz'], { input: archive, encoding: 'utf8' });
    assert.deepEqual(listing.trim().split('\n'), ['cairn.INFO.2', 'cairn.INFO.1', 'cairn.INFO']);
  });
});
