// Jobs on a real cluster: multi-object delete by template, prefix and list as a job on every target;
// AIStore's status queries (status, status_all, running_all, qryxstats); abort; CLI job commands.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { rawRequest } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';

const run = promisify(execFile);
const bucket = { name: 'jobs', provider: 'ais' };

async function names(client: Client, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of client.listObjects(bucket, { prefix })) found.push(entry.name);
  return found;
}

describe('jobs', () => {
  let cluster: TestCluster;
  let client: Client;

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 2, targets: 3, mountpaths: 2 },
      bucket,
    ));
    const all = Array.from({ length: 300 }, (_, i) => `shard-${String(i).padStart(3, '0')}.tar`);
    all.push(
      ...Array.from({ length: 40 }, (_, i) => `keep/${i}`),
      'listed-a',
      'listed-b',
      'listed-c',
    );
    for (let i = 0; i < all.length; i += 50) {
      await Promise.all(all.slice(i, i + 50).map((name) => client.putObject(bucket, name, name)));
    }
  });
  after(() => cluster?.destroy());

  test('delete-listrange by template runs on every target and reports through status queries', async () => {
    const id = await client.jobs.deleteObjects(bucket, { template: 'shard-{000..149}.tar' });
    assert.match(id, /^\w{8,}$/);
    const status = await cluster.client(1).jobs.wait(id, { timeoutMs: 60_000 });
    assert.equal(status.kind, 'delete-listrange');
    assert.equal(status.err, '');
    assert.equal(status.aborted, false);
    assert.ok(status.end_time > 0);
    const remaining = await names(client, 'shard-');
    assert.equal(remaining.length, 150);
    assert.equal(remaining[0], 'shard-150.tar');
    const snapshots = await client.jobs.snapshots({ id });
    assert.equal(Object.keys(snapshots).length, 3);
    const deleted = Object.values(snapshots)
      .flat()
      .reduce((sum, snap) => sum + Number(snap.stats['loc-objs']), 0);
    assert.equal(deleted, 150);
    const listed = await client.jobs.list({ kind: 'delete-listrange' });
    assert.ok(listed.some((entry) => entry.uuid === id && entry.end_time > 0));
    const running = await rawRequest(
      cluster.primary.publicUrl,
      'GET',
      '/v1/cluster?what=running_all',
      { body: '{}' },
    );
    assert.deepEqual(JSON.parse(running.body), []);
  });

  test('delete by prefix and by list', async () => {
    const byPrefix = await client.jobs.deleteObjects(bucket, { template: 'keep/' });
    const byList = await client.jobs.deleteObjects(bucket, {
      objnames: ['listed-a', 'listed-c', 'never-existed'],
    });
    assert.equal((await client.jobs.wait(byPrefix)).err, '');
    assert.equal((await client.jobs.wait(byList)).err, '');
    assert.deepEqual(await names(client, 'keep/'), []);
    assert.deepEqual(await names(client, 'listed-'), ['listed-b']);
  });

  test('a running job can be aborted', async () => {
    const id = await client.jobs.deleteObjects(bucket, { template: 'absent-{0000000..8999999}' });
    await client.jobs.stop({ id });
    const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
    assert.equal(status.aborted, true);
  });

  test('a status query by ID may be held until the job ends (x-cairn-job-wait-ms)', async () => {
    const id = await client.jobs.deleteObjects(bucket, { template: 'absent-{0000000..8999999}' });
    // Held for its whole hold while the job runs: still running when answered.
    const asked = Date.now();
    const running = await client.jobs.status(id, 300);
    assert.equal(running.end_time, 0);
    assert.ok(Date.now() - asked >= 250, `answered after ${Date.now() - asked} ms`);
    // Held (up to 10 s) while the job is stopped: answered with its end.
    const held = client.jobs.status(id, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.jobs.stop({ id });
    const ended = await held;
    assert.ok(ended.end_time > 0);
    assert.equal(ended.aborted, true);
  });

  test('start refuses unknown kinds (400), blob-download without its bucket, dsort (400: /v1/sort starts it)', async () => {
    await assert.rejects(
      client.jobs.start('no-such-kind'),
      (error: Error & { status?: number }) => error.status === 400,
    );
    // Started this way in test/remote/blob-download.test.ts.
    await assert.rejects(
      client.jobs.start('blob-download'),
      (error: Error & { status?: number }) =>
        error.status === 400 && /needs a bucket/.test(error.message),
    );
    // The downloader starts from its own API (/v1/download).
    await assert.rejects(
      client.jobs.start('download'),
      (error: Error & { status?: number }) => error.status === 400,
    );
    await assert.rejects(
      client.jobs.start('dsort'),
      (error: Error & { status?: number }) => error.status === 400,
    );
    const badTemplate = await rawRequest(cluster.primary.publicUrl, 'DELETE', '/v1/buckets/jobs', {
      body: JSON.stringify({ action: 'delete-listrange', value: { template: 'x-{9..1}' } }),
    });
    assert.equal(badTemplate.status, 400);
  });

  test('CLI: rmo --template waits for the job; job ls lists it', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    await run(
      process.execPath,
      [cairnEntry, 'rmo', 'ais://jobs', '--template', 'shard-{150..199}.tar'],
      { env },
    );
    assert.equal((await names(client, 'shard-')).length, 100);
    const { stdout } = await run(process.execPath, [cairnEntry, 'job', 'ls', '--json'], { env });
    const jobs = JSON.parse(stdout) as Array<{ kind: string }>;
    assert.ok(jobs.filter((job) => job.kind === 'delete-listrange').length >= 4);
  });
});
