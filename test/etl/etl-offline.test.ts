// Offline transforms on a real cluster (3 targets): etl-bck of 1,000 objects through a Node hpush
// upper-caser into a bucket the job creates, every output byte-checked against the transform
// applied here; etl-listrange by template (io shell command, prepend and ext remap) and by list
// (Python hpull MD5, continue on error, the failed object in the job's details); single-object
// copy with etl_name; dry run; abort; unknown ETL 404; the CLI's `etl bucket`; the per-ETL
// `etl-inline` jobs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import type { BucketJson } from '../../src/wire/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { rawRequest } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import { writeTransformers, type TransformerFiles } from './transformers.js';

const run = promisify(execFile);
const source = { name: 'etl-src', provider: 'ais' };
const objectCount = 1000;
const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');
const upper = (data: Buffer): Buffer =>
  Buffer.from(data.toString('latin1').toUpperCase(), 'latin1');

/** The message of an error body (AIStore's ErrHTTP JSON). */
const messageOf = (body: string): string => (JSON.parse(body) as { message: string }).message;

async function names(client: Client, bucket: BucketJson, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of client.listObjects(bucket, { prefix })) found.push(entry.name);
  return found.sort();
}

function snapshotTotal(
  snapshots: Record<string, Array<{ stats: Record<string, string> }>>,
  key: string,
): number {
  return Object.values(snapshots)
    .flat()
    .reduce((sum, snapshot) => sum + Number(snapshot.stats[key] ?? 0), 0);
}

describe('offline ETL', () => {
  let cluster: TestCluster;
  let client: Client;
  let files: TransformerFiles;
  const contents = new Map<string, Buffer>();

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    client = cluster.client();
    files = await writeTransformers(cluster.dir);
    await client.createBucket(source, { checksum: { type: 'md5' } });
    const all = Array.from(
      { length: objectCount },
      (_, i) => `data/${String(i).padStart(4, '0')}.txt`,
    );
    all.push('big/one.txt', 'fail-7');
    for (let i = 0; i < all.length; i += 30) {
      await Promise.all(
        all.slice(i, i + 30).map(async (name, j) => {
          // Letters, digits and bytes above 0x7f (latin1 upper-casing changes some of them too).
          const size = name.startsWith('big/') ? 2 * 1024 * 1024 + 3 : 1 + ((i + j) % 11) * 700;
          const data = Buffer.alloc(size);
          for (let k = 0; k < size; k += 1) data[k] = (k * 7 + i + j) % 256;
          contents.set(name, data);
          await client.putObject(source, name, data);
        }),
      );
    }
    await client.etl.init({
      name: 'upper-node',
      runtime: { command: ['node', files.nodeUpper] },
      obj_timeout: '30s',
    });
    await client.etl.init({
      name: 'md5-python',
      communication: 'hpull://',
      runtime: { command: ['python3', '-u', files.pythonMd5] },
    });
    await client.etl.init({
      name: 'upper-shell',
      communication: 'io://',
      runtime: { command: ['tr', 'a-z', 'A-Z'] },
    });
  });
  after(() => cluster?.destroy());

  test('etl-bck transforms every object, byte for byte, into a bucket made with the source props', async () => {
    const destination = { name: 'etl-dst', provider: 'ais' };
    const id = await client.jobs.transformBucket(source, destination, {
      id: 'upper-node',
      prefix: 'data/',
      pipeline: null,
    });
    const status = await client.jobs.wait(id, { timeoutMs: 600_000 });
    assert.equal(status.kind, 'etl-bck');
    assert.equal(status.err, '');
    assert.equal((await client.bucketProps(destination)).checksum.type, 'md5');
    const transformed = await names(client, destination);
    const expected = [...contents.keys()].filter((name) => name.startsWith('data/')).sort();
    assert.deepEqual(transformed, expected);
    for (let i = 0; i < transformed.length; i += 30) {
      await Promise.all(
        transformed.slice(i, i + 30).map(async (name) => {
          const bytes = await client.getObjectBytes(destination, name);
          const input = contents.get(name) ?? Buffer.alloc(0);
          assert.ok(bytes.equals(upper(input)), name);
        }),
      );
    }
    const snapshots = await client.jobs.snapshots({ id });
    assert.equal(Object.keys(snapshots).length, 3);
    assert.equal(snapshotTotal(snapshots, 'loc-objs'), expected.length);
    assert.ok(snapshotTotal(snapshots, 'out-objs') > 0);
    // The ETL's own counts include the offline objects.
    const listed = (await client.etl.list()).find((etl) => etl.id === 'upper-node');
    assert.ok((listed?.obj_count ?? 0) >= expected.length, JSON.stringify(listed));
  });

  test('etl-listrange by template through an io command, with prepend and ext remap', async () => {
    const destination = { name: 'etl-objs', provider: 'ais' };
    const ids = await client.jobs.transformObjects(source, {
      id: 'upper-shell',
      tobck: destination,
      template: 'data/{0010..0059}.txt',
      prepend: 'up/',
      ext: { txt: 'TXT' },
    });
    assert.match(ids[0] ?? '', /^tco-/);
    const status = await client.jobs.wait(ids[0] ?? '', { timeoutMs: 600_000 });
    assert.equal(status.kind, 'etl-listrange');
    assert.equal(status.err, '');
    const transformed = await names(client, destination);
    assert.equal(transformed.length, 50);
    assert.equal(transformed[0], 'up/data/0010.TXT');
    for (const name of transformed.slice(0, 20)) {
      const original = name.replace('up/', '').replace('.TXT', '.txt');
      const input = contents.get(original) ?? Buffer.alloc(0);
      // `tr a-z A-Z` changes only ASCII letters.
      const expected = Buffer.from(
        input.map((byte) => (byte >= 97 && byte <= 122 ? byte - 32 : byte)),
      );
      assert.ok((await client.getObjectBytes(destination, name)).equals(expected), name);
    }
  });

  test('etl-listrange by list through hpull: continue on error, the failure in the job details', async () => {
    const destination = { name: 'etl-md5', provider: 'ais' };
    const listed = ['data/0001.txt', 'big/one.txt', 'missing-object'];
    const [strict] = await client.jobs.transformObjects(source, {
      id: 'md5-python',
      tobck: destination,
      objnames: listed,
    });
    const failed = await client.jobs.wait(strict ?? '', { timeoutMs: 300_000 });
    assert.match(failed.err, /missing-object/);
    const [lenient] = await client.jobs.transformObjects(source, {
      id: 'md5-python',
      tobck: destination,
      objnames: listed,
      coer: true,
    });
    assert.equal((await client.jobs.wait(lenient ?? '', { timeoutMs: 300_000 })).err, '');
    const lenientSnapshots = await client.jobs.snapshots({ id: lenient ?? '' });
    // On failure, the snapshots say which objects failed and why (their first failure's message).
    assert.equal(snapshotTotal(lenientSnapshots, 'errors'), 1, JSON.stringify(lenientSnapshots));
    for (const name of ['data/0001.txt', 'big/one.txt']) {
      const bytes = await client.getObjectBytes(destination, name);
      assert.equal(bytes.toString(), md5(contents.get(name) ?? ''), name);
    }
    // A transformer failure (upper-node answers 500 for fail-*): counted, and listed in the
    // details of that job (`?uuid=`), not in the inline errors.
    const [withFailure] = await client.jobs.transformObjects(source, {
      id: 'upper-node',
      tobck: destination,
      objnames: ['fail-7', 'data/0002.txt'],
      coer: true,
    });
    assert.equal((await client.jobs.wait(withFailure ?? '', { timeoutMs: 300_000 })).err, '');
    const details = await rawRequest(
      cluster.primary.publicUrl,
      'GET',
      `/v1/etl/upper-node?uuid=${withFailure}`,
    );
    assert.equal(details.status, 200, details.body);
    const errors = (JSON.parse(details.body) as { obj_errors: Array<{ obj_name: string }> })
      .obj_errors;
    assert.deepEqual(
      errors.map((error) => error.obj_name),
      ['fail-7'],
    );
    const data = await client.getObjectBytes(destination, 'data/0002.txt');
    assert.ok(data.equals(upper(contents.get('data/0002.txt') ?? Buffer.alloc(0))));
  });

  test('direct put: transformers deliver each output to its owner themselves (hpush and hpull)', async () => {
    await client.etl.init({
      name: 'upper-direct',
      runtime: { command: ['node', files.nodeUpper] },
      obj_timeout: '30s',
      support_direct_put: true,
    });
    await client.etl.init({
      name: 'md5-direct',
      communication: 'hpull://',
      runtime: { command: ['python3', '-u', files.pythonMd5] },
      support_direct_put: true,
    });
    const upperDst = { name: 'etl-direct', provider: 'ais' };
    const bucketJob = await client.jobs.transformBucket(source, upperDst, {
      id: 'upper-direct',
      prefix: 'data/01',
    });
    const [listJob = ''] = await client.jobs.transformObjects(source, {
      id: 'md5-direct',
      tobck: { name: 'etl-direct-md5', provider: 'ais' },
      template: 'data/{0200..0229}.txt',
    });
    assert.equal((await client.jobs.wait(bucketJob, { timeoutMs: 300_000 })).err, '');
    assert.equal((await client.jobs.wait(listJob, { timeoutMs: 300_000 })).err, '');
    const expected = [...contents.keys()].filter((name) => name.startsWith('data/01')).sort();
    assert.deepEqual(await names(client, upperDst), expected);
    for (let i = 0; i < expected.length; i += 30) {
      await Promise.all(
        expected.slice(i, i + 30).map(async (name) => {
          const bytes = await client.getObjectBytes(upperDst, name);
          assert.ok(bytes.equals(upper(contents.get(name) ?? Buffer.alloc(0))), name);
        }),
      );
    }
    const md5Dst = { name: 'etl-direct-md5', provider: 'ais' };
    const hashed = await names(client, md5Dst);
    assert.equal(hashed.length, 30);
    for (const name of hashed) {
      const bytes = await client.getObjectBytes(md5Dst, name);
      assert.equal(bytes.toString(), md5(contents.get(name) ?? ''), name);
    }
    // Outputs owned by another target than their source's went there by direct put: each counted
    // in the job there (`in-objs`, from the put's `uuid`) and logged by the transformer that sent it.
    for (const [job, etl] of [
      [bucketJob, 'upper-direct'],
      [listJob, 'md5-direct'],
    ] as const) {
      const snapshots = await client.jobs.snapshots({ id: job });
      const sent = snapshotTotal(snapshots, 'out-objs');
      assert.ok(sent > 0, `${etl}: no object had another owner`);
      assert.equal(snapshotTotal(snapshots, 'in-objs'), sent, etl);
      const logged = (await client.etl.logs(etl))
        .map((log) => log.text.match(/direct put /g)?.length ?? 0)
        .reduce((sum, count) => sum + count, 0);
      assert.equal(logged, sent, etl);
    }
  });

  test('copy of one object with etl_name and etl_args', async () => {
    const destination = { name: 'etl-one', provider: 'ais' };
    await client.createBucket(destination);
    await client.copyObject(
      source,
      'data/0003.txt',
      { bucket: destination, name: 'renamed.txt' },
      { etl: { name: 'upper-node', args: 'tail' } },
    );
    const bytes = await client.getObjectBytes(destination, 'renamed.txt');
    const input = contents.get('data/0003.txt') ?? Buffer.alloc(0);
    assert.ok(bytes.equals(Buffer.concat([upper(input), Buffer.from('|tail')])));
    const path = '/v1/objects/etl-src/data/0003.txt?object_to=ais/@%23/etl-one/x';
    const redirect = await fetch(`${cluster.primary.publicUrl}${path}&etl_name=nonexistent`, {
      method: 'PUT',
      redirect: 'manual',
    });
    assert.equal(redirect.status, 307);
    const unknown = await fetch(String(redirect.headers.get('location')), { method: 'PUT' });
    assert.equal(unknown.status, 404);
    assert.match(messageOf(await unknown.text()), /etl job "nonexistent" does not exist/);
  });

  test('dry run writes nothing; unknown ETL is a 404 naming the etl job; no ETL name is a 400', async () => {
    const destination = { name: 'etl-dry', provider: 'ais' };
    const dry = await client.jobs.transformBucket(source, destination, {
      id: 'upper-node',
      prefix: 'big/',
      dry_run: true,
    });
    assert.equal((await client.jobs.wait(dry)).err, '');
    assert.equal(snapshotTotal(await client.jobs.snapshots({ id: dry }), 'loc-objs'), 1);
    await assert.rejects(
      client.bucketProps(destination),
      (error: Error & { status?: number }) => error.status === 404,
    );
    const post = (query: string, body: unknown): Promise<{ status: number; body: string }> =>
      rawRequest(cluster.primary.publicUrl, 'POST', `/v1/buckets/etl-src${query}`, {
        body: JSON.stringify(body),
      });
    const unknown = await post('?bck_to=ais/@%23/etl-dry/', {
      action: 'etl-bck',
      value: { id: 'nonexistent' },
    });
    assert.equal(unknown.status, 404);
    assert.match(messageOf(unknown.body), /etl job "nonexistent" does not exist/);
    const unknownStage = await post('', {
      action: 'etl-listrange',
      value: { id: 'upper-node', pipeline: ['nonexistent'], tobck: destination, template: 'x' },
    });
    assert.equal(unknownStage.status, 404);
    const nameless = await post('?bck_to=ais/@%23/etl-dry/', { action: 'etl-bck', value: {} });
    assert.equal(nameless.status, 400);
    assert.match(messageOf(nameless.body), /missing the ETL name \("id"\)/);
    assert.ok(!(await client.listBuckets()).some((bucket) => bucket.name === 'etl-dry'));
  });

  test('an aborted etl-bck stops, and the bucket it created goes again', async () => {
    const destination = { name: 'etl-aborted', provider: 'ais' };
    const id = await client.jobs.transformBucket(source, destination, {
      id: 'upper-node',
      'num-workers': -1,
    });
    await client.jobs.stop({ id });
    const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.aborted, true);
    await waitFor('the aborted transform to remove its bucket', 60_000, async () => {
      const buckets = await client.listBuckets();
      return !buckets.some((bucket) => bucket.name === destination.name);
    });
    assert.equal((await names(client, source)).length, contents.size);
  });

  test('CLI: etl bucket waits for the job', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    const { stdout } = await run(
      process.execPath,
      [
        cairnEntry,
        'etl',
        'bucket',
        'upper-node',
        'ais://etl-src',
        'ais://etl-cli',
        '--prefix',
        'big/',
      ],
      { env },
    );
    assert.equal((await client.jobs.status(stdout.trim())).kind, 'etl-bck');
    const destination = { name: 'etl-cli', provider: 'ais' };
    assert.deepEqual(await names(client, destination), ['big/one.txt']);
    const bytes = await client.getObjectBytes(destination, 'big/one.txt');
    assert.ok(bytes.equals(upper(contents.get('big/one.txt') ?? Buffer.alloc(0))));
    await run(
      process.execPath,
      [cairnEntry, 'etl', 'bucket', 'nonexistent', 'ais://etl-src', 'ais://etl-cli'],
      { env },
    ).then(
      () => assert.fail('an unknown ETL must fail'),
      (error: Error & { code?: number; stderr?: string }) => {
        assert.notEqual(error.code, 0);
        assert.match(error.stderr ?? '', /etl job "nonexistent" does not exist/);
      },
    );
  });

  test('each ETL is an etl-inline job per target with its counts; stopping the job stops the ETL', async () => {
    const listed = (await client.etl.list()).find((etl) => etl.id === 'upper-node');
    const xid = listed?.xaction_id ?? '';
    assert.match(xid, /^etl-/);
    const snapshots = await client.jobs.snapshots({ id: xid });
    assert.equal(Object.keys(snapshots).length, 3);
    for (const snapshot of Object.values(snapshots).flat()) {
      assert.equal(snapshot.kind, 'etl-inline');
      assert.equal(snapshot.is_idle, false);
    }
    assert.equal(snapshotTotal(snapshots, 'loc-objs'), listed?.obj_count);
    assert.ok(snapshotTotal(snapshots, 'out-bytes') > 0);
    const shell = (await client.etl.list()).find((etl) => etl.id === 'upper-shell');
    await client.jobs.stop({ id: shell?.xaction_id ?? '' });
    await waitFor('the ETL whose job was stopped to be Aborted', 60_000, async () => {
      const stage = (await client.etl.list()).find((etl) => etl.id === 'upper-shell')?.stage;
      return stage === 'Aborted';
    });
    const status = await client.jobs.wait(shell?.xaction_id ?? '', { timeoutMs: 60_000 });
    assert.equal(status.kind, 'etl-inline');
    assert.ok(status.end_time !== 0);
  });
});
