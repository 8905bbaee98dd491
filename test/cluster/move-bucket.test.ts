// move-bck (bucket rename) on a real cluster (3 targets): every object readable under the new
// name with identical bytes, checksum, size and custom metadata; the old bucket gone; only the
// objects whose owner changes cross targets (the rest are renamed in place); readers of the old
// name during the move never miss an object (each read is the object's bytes, or, after the
// switch, "bucket does not exist" and then the object under the new name); writes racing the move
// are never lost (refused as for a missing bucket, or in the new bucket); bad requests; CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import type { BucketJson } from '../../src/wire/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { rawRequest } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const objectCount = 400;
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function names(client: Client, bucket: BucketJson): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of client.listObjects(bucket)) found.push(entry.name);
  return found.sort();
}

const bucketGone = (error: unknown): boolean =>
  (error as { status?: number }).status === 404 &&
  /bucket/.test((error as Error).message) &&
  /does not exist/.test((error as Error).message);

describe('move-bck', () => {
  let cluster: TestCluster;
  let client: Client;
  const digests = new Map<string, string>();
  const from = { name: 'move-src', provider: 'ais' };
  const to = { name: 'move-dst', provider: 'ais' };

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 2 });
    client = cluster.client();
    await client.createBucket(from, { checksum: { type: 'sha256' } });
    const all = Array.from({ length: objectCount }, (_, i) => `d/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < all.length; i += 40) {
      await Promise.all(
        all.slice(i, i + 40).map(async (name, j) => {
          const data = randomBytes(1 + ((i + j) % 9) * 900);
          digests.set(name, sha(data));
          await client.putObject(from, name, data);
          if (j % 10 === 0) await client.setCustomMetadata(from, name, { origin: name });
        }),
      );
    }
  });
  after(() => cluster?.destroy());

  test('every object moves with its bytes and props; readers of the old name lose nothing', async () => {
    const before = new Map(
      await Promise.all(
        [...digests.keys()].map(
          async (name) => [name, await client.headObject(from, name)] as const,
        ),
      ),
    );
    const all = [...digests.keys()];
    let moving = true;
    let reads = 0;
    let switched = 0;
    const reader = async (start: number): Promise<void> => {
      for (let k = start; moving && k < start + 100_000; k += 7) {
        const name = all[k % all.length] ?? '';
        let bytes: Buffer;
        try {
          bytes = await client.getObjectBytes(from, name);
        } catch (error) {
          if (!bucketGone(error)) throw error;
          // After the switch the object is under the new name.
          bytes = await client.getObjectBytes(to, name);
          switched += 1;
        }
        assert.equal(sha(bytes), digests.get(name), name);
        reads += 1;
      }
    };
    // A failed read stops every reader at once (none runs on into the next test) and fails this one.
    const failures: unknown[] = [];
    const readers = [0, 1, 2].map((start) =>
      reader(start * 131).catch((error: unknown) => {
        moving = false;
        failures.push(error);
      }),
    );
    const id = await client.jobs.moveBucket(from, to);
    const status = await client.jobs.wait(id, { timeoutMs: 600_000 });
    assert.equal(status.kind, 'move-bck');
    assert.equal(status.err, '');
    await waitFor('the old bucket to go', 60_000, async () =>
      (await client.listBuckets()).every((bucket) => bucket.name !== from.name),
    );
    moving = false;
    await Promise.all(readers);
    assert.deepEqual(failures, []);
    assert.ok(reads > 0);
    // Reads that found the old name gone found the object under the new one (checked above).
    void switched;

    assert.deepEqual(await names(client, to), all.sort());
    assert.equal((await client.bucketProps(to)).checksum.type, 'sha256');
    for (let i = 0; i < all.length; i += 40) {
      await Promise.all(
        all.slice(i, i + 40).map(async (name) => {
          const bytes = await client.getObjectBytes(to, name);
          assert.equal(sha(bytes), digests.get(name), name);
          const props = await client.headObject(to, name);
          const old = before.get(name);
          assert.equal(props.size, old?.size, name);
          assert.deepEqual(props.checksum, old?.checksum, name);
          assert.deepEqual(props.customMetadata, old?.customMetadata, name);
        }),
      );
    }
    await assert.rejects(
      client.bucketProps(from),
      (error: Error & { status?: number }) => error.status === 404,
    );
    await assert.rejects(client.getObjectBytes(from, all[0] ?? ''), bucketGone);
    // Renamed in place: only the objects whose owner changes with the name crossed targets, in the
    // rebalance the move ran (about 2 in 3 with three targets).
    const [snapshot] = Object.values(await client.jobs.snapshots({ id })).flat();
    const rebalance = /via rebalance (g\d+)/.exec(snapshot?.ctlmsg ?? '')?.[1] ?? '';
    const crossed = Object.values(await client.jobs.snapshots({ id: rebalance }))
      .flat()
      .reduce((sum, snap) => sum + Number(snap.stats['out-objs'] ?? 0), 0);
    assert.ok(crossed > 0 && crossed < objectCount, `${crossed} of ${objectCount} crossed`);
  });

  test('writes racing the move: each one refused as for a gone bucket, or in the new bucket', async () => {
    const src = { name: 'race-src', provider: 'ais' };
    const dst = { name: 'race-dst', provider: 'ais' };
    await client.createBucket(src);
    const seed = Array.from({ length: 60 }, (_, i) => `seed-${i}`);
    await Promise.all(seed.map((name) => client.putObject(src, name, Buffer.from(name))));
    const written = new Map<string, string>();
    let refused = 0;
    let moving = true;
    const writer = async (w: number): Promise<void> => {
      for (let k = 0; moving && k < 5000; k += 1) {
        const name = `w/${w}-${k}`;
        const data = randomBytes(1 + ((w * 977 + k * 131) % 4000));
        try {
          await client.putObject(src, name, data);
          written.set(name, sha(data));
        } catch (error) {
          assert.ok(bucketGone(error), `${name}: ${(error as Error).message}`);
          refused += 1;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await waitFor('writes before the move', 10_000, () => Promise.resolve(written.size >= 20));
    const id = await client.jobs.moveBucket(src, dst);
    assert.equal((await client.jobs.wait(id, { timeoutMs: 120_000 })).err, '');
    await waitFor('the old bucket to go', 60_000, async () =>
      (await client.listBuckets()).every((bucket) => bucket.name !== src.name),
    );
    // A few more writes against the gone name, then stop.
    await waitFor('writes refused', 10_000, () => Promise.resolve(refused > 0));
    moving = false;
    await Promise.all(writers);
    const expected = [...seed, ...written.keys()].sort();
    assert.deepEqual(await names(client, dst), expected);
    for (const [name, digest] of written)
      assert.equal(sha(await client.getObjectBytes(dst, name)), digest, name);
    for (const name of seed)
      assert.equal((await client.getObjectBytes(dst, name)).toString(), name);
    await assert.rejects(
      client.bucketProps(src),
      (error: Error & { status?: number }) => error.status === 404,
    );
  });

  test('bad requests: clear statuses, nothing moved', async () => {
    const url = cluster.primary.publicUrl;
    await client.createBucket({ name: 'move-other', provider: 'ais' });
    const post = (bucket: string, query: string): Promise<{ status: number; body: string }> =>
      rawRequest(url, 'POST', `/v1/buckets/${bucket}${query}`, {
        body: JSON.stringify({ action: 'move-bck' }),
      });
    assert.equal((await post('move-dst', '')).status, 400);
    const onto = await post('move-dst', '?bck_to=ais/@%23/move-dst/');
    assert.equal(onto.status, 400);
    assert.match(onto.body, /onto itself/);
    const exists = await post('move-dst', '?bck_to=ais/@%23/move-other/');
    assert.equal(exists.status, 409);
    assert.match(exists.body, /already exists/);
    assert.equal((await post('nope', '?bck_to=ais/@%23/move-new/')).status, 404);
    // A direct request naming a bucket a target does not know goes to the primary, the authority
    // (a direct client may learn of a rename's new name before this target does); it answers.
    const direct = await rawRequest(
      cluster.targets[0]?.publicUrl ?? '',
      'GET',
      '/v1/objects/nope/x',
    );
    assert.equal(direct.status, 307);
    assert.equal(direct.headers.location, `${url}/v1/objects/nope/x`);
    await assert.rejects(client.getObjectBytes({ name: 'nope', provider: 'ais' }, 'x'), bucketGone);
    assert.equal((await names(client, { name: 'move-other', provider: 'ais' })).length, 0);
    assert.equal((await names(client, to)).length, objectCount);
  });

  test('CLI: mv renames and waits for the old name to go', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    const { stdout } = await run(
      process.execPath,
      [cairnEntry, 'bucket', 'mv', 'ais://move-dst', 'ais://move-again'],
      { env },
    );
    assert.equal((await client.jobs.status(stdout.trim())).kind, 'move-bck');
    const buckets = (await client.listBuckets()).map((bucket) => bucket.name);
    assert.ok(buckets.includes('move-again') && !buckets.includes('move-dst'));
    const again = { name: 'move-again', provider: 'ais' };
    const first = [...digests.keys()].sort()[0] ?? '';
    assert.equal(sha(await client.getObjectBytes(again, first)), digests.get(first));
  });

  test('rebalance disabled: the rename is refused as AIStore does, nothing moves', async () => {
    const again = { name: 'move-again', provider: 'ais' };
    await client.cluster.setConfig({ 'rebalance.enabled': false });
    try {
      const answer = await rawRequest(
        cluster.primary.publicUrl,
        'POST',
        '/v1/buckets/move-again?bck_to=ais/@%23/move-blocked/',
        { body: JSON.stringify({ action: 'move-bck' }) },
      );
      assert.equal(answer.status, 400);
      assert.match(answer.body, /failed to rename ais:\/\/move-again, err: rebalance is disabled/);
    } finally {
      await client.cluster.setConfig({ 'rebalance.enabled': true });
    }
    const buckets = (await client.listBuckets()).map((bucket) => bucket.name);
    assert.ok(buckets.includes('move-again') && !buckets.includes('move-blocked'));
    assert.equal((await names(client, again)).length, objectCount);
  });
});
