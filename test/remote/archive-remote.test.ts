// The `archive` job over an aws:// bucket (s3rver behind the counting proxy, 1 gateway, 2 targets):
// a prefix selects what the remote lists (objects not cached yet among them), each object is read
// by its owner through the cold-GET path (one remote GET each, then cached) and reaches the
// shard's target out of one stream per peer, never as a GET per object between targets; a second
// shard of the same objects reads them from the cluster.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BucketJson } from '../../src/wire/index.js';
import { Scrape } from '../harness/prometheus-text.js';
import { untar } from '../harness/shard-files.js';
import { waitFor } from '../harness/wait.js';
import {
  createRemoteBucket,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const bucketName = 'archive-remote';
const remote: BucketJson = { name: bucketName, provider: 'aws' };
const destination: BucketJson = { name: 'archive-shards', provider: 'ais' };
const names = Array.from({ length: 24 }, (_, index) => `img/${String(index).padStart(4, '0')}.jpg`);

describe('archive job over an aws:// bucket', () => {
  let setup: RemoteSetup;
  const bodies = new Map<string, Buffer>();

  before(async () => {
    setup = await startRemoteSetup({ proxies: 1, targets: 2, mountpaths: 1 });
    await createRemoteBucket(setup, bucketName);
    await setup.cluster.client(0).createBucket(destination);
    for (const name of [...names, 'other']) {
      const body = randomBytes(8 * 1024 + bodies.size);
      bodies.set(name, body);
      await setup.direct.send(new PutObjectCommand({ Bucket: bucketName, Key: name, Body: body }));
    }
  });
  after(() => setup?.stop());

  /** Object GETs the targets served (between targets: the owner's side of a per-object read). */
  async function targetGets(): Promise<number> {
    let total = 0;
    for (const target of setup.cluster.targets)
      total += (await Scrape.of(target.publicUrl)).value('ais_target_get_count', {
        api: 'native',
      });
    return total;
  }

  async function archive(archname: string, message: Record<string, unknown>): Promise<void> {
    const client = setup.cluster.client(0);
    const id = await client.jobs.archive(remote, { archname, tobck: destination, ...message });
    const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.err, '', `${archname} built`);
  }

  async function shardFiles(archname: string): Promise<string[]> {
    const files = await untar(
      (await setup.cluster.client(0).getObject(destination, archname)).body,
    );
    for (const file of files)
      assert.ok(file.data.equals(bodies.get(file.name) ?? Buffer.alloc(0)), file.name);
    return files.map((file) => file.name);
  }

  test('a prefix: every listed object, cold-GET once by its owner, streamed per peer', async () => {
    const getsBefore = await targetGets();
    await archive('cold.tar', { template: 'img/' });
    assert.equal(await targetGets(), getsBefore, 'no object GET between targets');
    assert.deepEqual(await shardFiles('cold.tar'), names);
    for (const name of names) {
      assert.equal(setup.proxy.gets(bucketName, name), 1, `${name}: one remote GET`);
      // The fetched copy is committed as its last bytes pass: cached at once or very soon.
      await waitFor(`${name} cached`, 10_000, async () => {
        const head = await fetch(`${objectUrl(setup, bucketName, name)}&presence=1`, {
          method: 'HEAD',
        });
        return head.status === 200;
      });
    }
    assert.equal(setup.proxy.gets(bucketName, 'other'), 0, 'outside the prefix');
  });

  test('a list with a miss (coer): the cached objects read from the cluster', async () => {
    const listed = [names[3], 'img/missing.jpg', names[1]] as string[];
    await archive('warm.tar', { objnames: listed, coer: true });
    assert.deepEqual(await shardFiles('warm.tar'), [names[3], names[1]]);
    for (const name of [names[3], names[1]] as string[])
      assert.equal(setup.proxy.gets(bucketName, name), 1, `${name}: no second remote GET`);
  });
});
