// Copy jobs on a real cluster (3 targets): copy-bck of 2,000 objects into a bucket the job creates
// with the source's props, every byte and checksum checked; prefix, prepend and extension remap;
// copy-listrange by template and by list (tco- IDs, continue on error); a source corrupted on disk
// is not copied; dry run; abort mid-job (the bucket the job created goes again); bad input
// answered with clear 4xx/501 statuses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import type { BucketJson } from '../../src/wire/index.js';
import { findFiles, flipByte } from '../harness/disk.js';
import { cairnEntry } from '../harness/node-process.js';
import { rawRequest } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const source = { name: 'copy-src', provider: 'ais' };
const objectCount = 2000;
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

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

describe('copy jobs', () => {
  let cluster: TestCluster;
  let client: Client;
  const digests = new Map<string, string>();

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 2 });
    client = cluster.client();
    await client.createBucket(source, {
      checksum: { type: 'sha256' },
      versioning: { enabled: false },
    });
    const all = Array.from(
      { length: objectCount },
      (_, i) => `train/${String(i).padStart(4, '0')}.jpg`,
    );
    all.push('big/one.bin', 'big/two.bin', 'other/a.txt');
    for (let i = 0; i < all.length; i += 40) {
      await Promise.all(
        all.slice(i, i + 40).map(async (name) => {
          const size = name.startsWith('big/') ? 3 * 1024 * 1024 + 17 : 1 + (i % 7) * 1500;
          const data = randomBytes(size);
          digests.set(name, sha(data));
          await client.putObject(source, name, data);
        }),
      );
    }
  });
  after(() => cluster?.destroy());

  test('copy-bck moves every object, byte for byte, into a bucket made with the source props', async () => {
    const destination = { name: 'copy-dst', provider: 'ais' };
    const id = await client.jobs.copyBucket(source, destination);
    const status = await client.jobs.wait(id, { timeoutMs: 600_000 });
    assert.equal(status.kind, 'copy-bck');
    assert.equal(status.err, '');
    const props = await client.bucketProps(destination);
    assert.equal(props.checksum.type, 'sha256');
    const copied = await names(client, destination);
    assert.deepEqual(copied, [...digests.keys()].sort());
    for (let i = 0; i < copied.length; i += 50) {
      await Promise.all(
        copied.slice(i, i + 50).map(async (name) => {
          const bytes = await client.getObjectBytes(destination, name);
          assert.equal(sha(bytes), digests.get(name), name);
          const [from, to] = await Promise.all([
            client.headObject(source, name),
            client.headObject(destination, name),
          ]);
          assert.equal(to.checksum.type, 'sha256');
          assert.equal(to.checksum.value, from.checksum.value, name);
        }),
      );
    }
    const snapshots = await client.jobs.snapshots({ id });
    assert.equal(Object.keys(snapshots).length, 3);
    assert.equal(snapshotTotal(snapshots, 'loc-objs'), digests.size);
    // With three targets most objects change owner with the bucket name: they crossed the wire.
    assert.ok(snapshotTotal(snapshots, 'out-objs') > digests.size / 3);
  });

  test('prefix, prepend and extension remap; dry run writes nothing', async () => {
    const destination = { name: 'copy-remap', provider: 'ais' };
    const dry = await client.jobs.copyBucket(source, destination, {
      prefix: 'big/',
      dry_run: true,
    });
    assert.equal((await client.jobs.wait(dry)).err, '');
    assert.equal(snapshotTotal(await client.jobs.snapshots({ id: dry }), 'loc-objs'), 2);
    await assert.rejects(
      client.bucketProps(destination),
      (error: Error & { status?: number }) => error.status === 404,
    );

    const id = await client.jobs.copyBucket(source, destination, {
      prefix: 'train/001',
      prepend: 'v2/',
      ext: { '.jpg': 'png' },
      'num-workers': -1,
    });
    assert.equal((await client.jobs.wait(id)).err, '');
    const copied = await names(client, destination);
    assert.equal(copied.length, 10);
    assert.equal(copied[0], 'v2/train/0010.png');
    const bytes = await client.getObjectBytes(destination, 'v2/train/0013.png');
    assert.equal(sha(bytes), digests.get('train/0013.jpg'));
  });

  test('copy-listrange by template and by list, with continue-on-error', async () => {
    const destination = { name: 'copy-objs', provider: 'ais' };
    const [byTemplate] = await client.jobs.copyObjects(source, {
      tobck: destination,
      template: 'train/{0100..0199}.jpg',
      'num-workers': 8,
    });
    assert.match(byTemplate ?? '', /^tco-/);
    assert.equal((await client.jobs.wait(byTemplate ?? '')).err, '');
    assert.equal((await names(client, destination, 'train/01')).length, 100);

    const at = await client.jobs.copyObjects(source, {
      tobck: destination,
      template: 'train/@0009.jpg',
    });
    assert.equal((await client.jobs.wait(at[0] ?? '')).err, '');
    assert.equal((await names(client, destination, 'train/000')).length, 10);

    const listed = ['other/a.txt', 'missing-object'];
    const [strict] = await client.jobs.copyObjects(source, {
      tobck: destination,
      objnames: listed,
    });
    const failed = await client.jobs.wait(strict ?? '');
    assert.match(failed.err, /missing-object/);
    const [lenient] = await client.jobs.copyObjects(source, {
      tobck: destination,
      objnames: listed,
      coer: true,
    });
    assert.equal((await client.jobs.wait(lenient ?? '')).err, '');
    assert.equal(snapshotTotal(await client.jobs.snapshots({ id: lenient ?? '' }), 'errors'), 1);
    const bytes = await client.getObjectBytes(destination, 'other/a.txt');
    assert.equal(sha(bytes), digests.get('other/a.txt'));
  });

  test('a source corrupted on disk is not copied, here or to another target', async () => {
    // The copy stores the source's checksum without hashing the bytes again: the read must
    // refuse them. Objects read whole (100 KiB) and streamed (3 MiB); 12 of them, so that some
    // stay on their target and some cross to another one.
    const rotten = { name: 'copy-rotten', provider: 'ais' };
    const destination = { name: 'copy-rotten-to', provider: 'ais' };
    await client.createBucket(rotten);
    await client.createBucket(destination);
    const count = 12;
    const sizeOf = (i: number): number => (i % 2 === 0 ? 100 * 1024 : 3 * 1024 * 1024);
    for (let i = 0; i < count; i += 1)
      await client.putObject(rotten, `rot/${i}`, randomBytes(sizeOf(i)));
    const files = (await findFiles(cluster.dir, '%ob')).filter((path) =>
      path.includes('/@ais/copy-rotten/'),
    );
    assert.equal(files.length, count);
    for (const file of files) {
      const i = Number(file.slice(file.lastIndexOf('/') + 1));
      await flipByte(file, sizeOf(i) - 1);
    }
    const [id] = await client.jobs.copyObjects(rotten, {
      tobck: destination,
      template: `rot/{0..${count - 1}}`,
      coer: true,
    });
    assert.equal((await client.jobs.wait(id ?? '')).err, '');
    assert.equal(snapshotTotal(await client.jobs.snapshots({ id: id ?? '' }), 'errors'), count);
    assert.deepEqual(await names(client, destination), []);
  });

  test('a copy damaged on its way to the destination target is refused; the old object stays', async () => {
    // The destination's owner checks the bytes against the source's checksum as they arrive:
    // received whole (up to 1 MiB, written in one disk job) or streamed to a work file (3 MiB).
    const destination = { name: 'copy-damaged', provider: 'ais' };
    await client.createBucket(destination);
    const targets = cluster.nodes.filter((node) => node.spec.role === 'target');
    for (const size of [100 * 1024, 1024 * 1024, 3 * 1024 * 1024]) {
      const name = `damaged/${size}`;
      const original = randomBytes(size);
      await client.putObject(destination, name, original);
      const { checksum, location = '' } = await client.headObject(destination, name);
      const ownerId = location.slice(location.indexOf('[') + 1, location.indexOf(']'));
      const owner = targets.find((node) => node.ready?.id === ownerId);
      assert.ok(owner !== undefined, name);
      const base64Json = (value: unknown): string =>
        Buffer.from(JSON.stringify(value)).toString('base64');
      const response = await rawRequest(
        owner.ready?.intraUrl ?? '',
        'PUT',
        `/v1/copy/${destination.name}/${name}?provider=ais`,
        {
          headers: {
            'ais-checksum-type': checksum.type,
            // The checksum of the bytes before they were damaged on the way.
            'ais-checksum-value': checksum.value,
            'cairn-modified-ms': String(Date.now()),
            'cairn-custom-md': base64Json({}),
            'cairn-s3-attributes': base64Json({}),
          },
          body: Buffer.concat([
            original.subarray(0, size - 1),
            Buffer.from([(original.at(-1) ?? 0) ^ 1]),
          ]),
        },
      );
      assert.equal(response.status, 400, `${name}: ${response.body}`);
      assert.match(response.body, /checksum/i);
      assert.ok((await client.getObjectBytes(destination, name)).equals(original), name);
    }
  });

  test('synchronize removes destination objects whose source is gone', async () => {
    const destination = { name: 'copy-sync', provider: 'ais' };
    await Promise.all(['sync/x1', 'sync/x2'].map((name) => client.putObject(source, name, name)));
    assert.equal(
      (
        await client.jobs.wait(
          await client.jobs.copyBucket(source, destination, { prefix: 'sync/' }),
        )
      ).err,
      '',
    );
    await client.putObject(destination, 'sync/extra', 'only here');
    await client.putObject(destination, 'elsewhere', 'outside the prefix');
    await client.deleteObject(source, 'sync/x1');
    const id = await client.jobs.copyBucket(source, destination, {
      prefix: 'sync/',
      synchronize: true,
    });
    assert.equal((await client.jobs.wait(id)).err, '');
    assert.deepEqual(await names(client, destination), ['elsewhere', 'sync/x2']);
    assert.equal(snapshotTotal(await client.jobs.snapshots({ id }), 'deleted'), 2);
    await client.putObject(destination, 'sync/named', 'its source never was');
    const [byList] = await client.jobs.copyObjects(source, {
      tobck: destination,
      objnames: ['sync/x2', 'sync/named'],
      synchronize: true,
    });
    assert.equal((await client.jobs.wait(byList ?? '')).err, '');
    assert.deepEqual(await names(client, destination), ['elsewhere', 'sync/x2']);
    await client.deleteObject(source, 'sync/x2');
  });

  test('an aborted copy stops, and the bucket it created goes again', async () => {
    const destination = { name: 'copy-aborted', provider: 'ais' };
    const id = await client.jobs.copyBucket(source, destination, { 'num-workers': -1 });
    await client.jobs.stop({ id });
    const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.aborted, true);
    // Gone by the time the job is seen to end (not later: a late destroy would take a retry's bucket).
    const buckets = await client.listBuckets();
    assert.ok(!buckets.some((bucket) => bucket.name === destination.name), 'destroyed at the end');
    // The source is whole, and a retry right away copies all of it.
    assert.equal((await names(client, source)).length, digests.size);
    const retry = await client.jobs.copyBucket(source, destination);
    assert.equal((await client.jobs.wait(retry, { timeoutMs: 120_000 })).err, '');
    assert.equal((await names(client, destination)).length, digests.size);
  });

  test('a share that fails at once keeps the created bucket until a peer still starting its share ends', async () => {
    // Shares start in parallel; one can fail (a missing object) before another target has
    // registered its own. The job's start is sent to each target here by hand, the second one late.
    const targets = cluster.nodes.filter((node) => node.spec.role === 'target');
    const ownerOf = async (name: string): Promise<string> => {
      const location = (await client.headObject(source, name)).location ?? '';
      return location.slice(location.indexOf('[') + 1, location.indexOf(']'));
    };
    const present = 'other/a.txt';
    const lateId = await ownerOf(present);
    let missing = '';
    for (let i = 0; i < 60 && missing === ''; i += 1) {
      await client.putObject(source, `early-gone-${i}`, Buffer.from('x'));
      if ((await ownerOf(`early-gone-${i}`)) !== lateId) missing = `early-gone-${i}`;
      await client.deleteObject(source, `early-gone-${i}`);
    }
    assert.notEqual(missing, '', 'a name owned by another target');
    const destination = { name: 'copy-early-fail', provider: 'ais' };
    await client.createBucket(destination);
    const start = (node: (typeof targets)[number]) =>
      rawRequest(node.ready?.intraUrl ?? '', 'POST', '/v1/jobs', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'tco-early-fail',
          kind: 'copy-listrange',
          bucket: source,
          args: { objnames: [present, missing], tobck: destination },
          created_bucket: destination,
          targets: targets.map((target) => target.ready?.id),
        }),
      });
    const early = targets.filter((node) => node.ready?.id !== lateId);
    for (const node of early) assert.equal((await start(node)).status, 200);
    await waitFor('the failed share', 10_000, async () => {
      const snapshots = await client.jobs.snapshots({ id: 'tco-early-fail' });
      return Object.values(snapshots)
        .flat()
        .some((snapshot) => /early-gone/.test(snapshot.err));
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const listed = async (): Promise<boolean> =>
      (await client.listBuckets()).some((bucket) => bucket.name === destination.name);
    assert.ok(await listed(), 'kept while a peer of the job has not started its share');
    const lateNode = targets.find((node) => node.ready?.id === lateId);
    assert.ok(lateNode !== undefined);
    assert.equal((await start(lateNode)).status, 200);
    const status = await client.jobs.wait('tco-early-fail', { timeoutMs: 60_000 });
    assert.match(status.err, new RegExp(missing));
    const lateShare = (await client.jobs.snapshots({ id: 'tco-early-fail' }))[lateId] ?? [];
    assert.equal(lateShare[0]?.err, '', 'the late share copied its object into the bucket');
    assert.equal(lateShare[0]?.stats['loc-objs'], '1');
    assert.ok(!(await listed()), 'destroyed once every share settled');
  });

  test('bad requests: clear statuses', async () => {
    const url = cluster.primary.publicUrl;
    const post = async (query: string, body: unknown): Promise<{ status: number; body: string }> =>
      rawRequest(url, 'POST', `/v1/buckets/copy-src${query}`, { body: JSON.stringify(body) });
    const missingTo = await post('', { action: 'copy-bck', value: {} });
    assert.equal(missingTo.status, 400);
    assert.match(missingTo.body, /bck_to/);
    const noSlash = await post('?bck_to=ais/@%23/x', { action: 'copy-bck', value: {} });
    assert.equal(noSlash.status, 400);
    const itself = await post('?bck_to=ais/@%23/copy-src/', { action: 'copy-bck', value: {} });
    assert.equal(itself.status, 400);
    assert.match(itself.body, /onto itself/);
    const syncPrepend = await post('?bck_to=ais/@%23/y/', {
      action: 'copy-bck',
      value: { synchronize: true, prepend: 'p/' },
    });
    assert.equal(syncPrepend.status, 400);
    const syncExt = await post('?bck_to=ais/@%23/y/', {
      action: 'copy-bck',
      value: { synchronize: true, ext: { jpg: 'png' } },
    });
    assert.equal(syncExt.status, 501);
    // A prepend that makes every destination name invalid: refused before the bucket is made.
    for (const prepend of ['../../', 'x/../']) {
      const escaping = await post('?bck_to=ais/@%23/made-by-bad-prepend/', {
        action: 'copy-bck',
        value: { prepend },
      });
      assert.equal(escaping.status, 400, prepend);
      const { message } = JSON.parse(escaping.body) as { message: string };
      assert.match(message, /"prepend" .* contains a "\.\." path segment/);
    }
    const buckets = await client.listBuckets();
    assert.ok(!buckets.some((bucket) => bucket.name === 'made-by-bad-prepend'));
    const badTemplate = await post('', {
      action: 'copy-listrange',
      value: { tobck: { name: 'y', provider: 'ais' }, template: 'train/{9..1}' },
    });
    assert.equal(badTemplate.status, 400);
    assert.match(badTemplate.body, /'start' cannot be greater than 'end'/);
    const noSource = await rawRequest(url, 'POST', '/v1/buckets/nope?bck_to=ais/@%23/y/', {
      body: JSON.stringify({ action: 'copy-bck', value: {} }),
    });
    assert.equal(noSource.status, 404);
    const workers = await post('?bck_to=ais/@%23/y/', {
      action: 'copy-bck',
      value: { 'num-workers': 100000 },
    });
    assert.equal(workers.status, 400);
    assert.ok(!(await client.listBuckets()).some((bucket) => bucket.name === 'y'));
  });

  test('CLI: bucket cp and cp --template wait for the job', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    const { stdout } = await run(
      process.execPath,
      [cairnEntry, 'bucket', 'cp', 'ais://copy-src', 'ais://copy-cli', '--prefix', 'other/'],
      { env },
    );
    assert.equal((await client.jobs.status(stdout.trim())).kind, 'copy-bck');
    assert.deepEqual(await names(client, { name: 'copy-cli', provider: 'ais' }), ['other/a.txt']);
    await run(
      process.execPath,
      [cairnEntry, 'cp', 'ais://copy-src', 'ais://copy-cli', '--template', 'big/{one,two}.bin'],
      { env },
    ).then(
      () => assert.fail('a bad template must fail'),
      (error: Error & { code?: number }) => assert.notEqual(error.code, 0),
    );
    await run(
      process.execPath,
      [cairnEntry, 'cp', 'ais://copy-src', 'ais://copy-cli', '--list', 'big/one.bin,big/two.bin'],
      { env },
    );
    assert.deepEqual(await names(client, { name: 'copy-cli', provider: 'ais' }, 'big/'), [
      'big/one.bin',
      'big/two.bin',
    ]);
  });
});
