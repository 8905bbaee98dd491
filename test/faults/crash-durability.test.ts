// Power loss under a running target: with `storage.fsync_objects` on (the default) every PUT that
// was acknowledged — plain, versioned over an older version, mirrored with its copy — is whole after
// the disk lost every write not made durable by fsync, and the target restarted on it. (That the
// simulated crash does lose unsynced writes is shown in store-disk-faults.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '../../src/sdk/index.js';
import { localDisk } from '../../src/storage/index.js';
import { FaultyDisk } from '../harness/faulty-disk.js';
import { InProcessCluster } from '../harness/in-process-target.js';
import { assertAllReadBack, makeObjects, putAll } from './protection-helpers.js';

const mirrored = { name: 'mirrored', provider: 'ais' };
const plain = { name: 'plain', provider: 'ais' };

describe('crash: acknowledged PUTs survive a power loss', () => {
  let keep = '';
  let disk: FaultyDisk;
  let cluster: InProcessCluster;
  let client: Client;

  before(async () => {
    keep = await mkdtemp(join(tmpdir(), 'cairn-kept-'));
    disk = new FaultyDisk(undefined, { keepDirectory: join(keep, 'kept') });
    cluster = await InProcessCluster.start(disk, 2);
    client = cluster.client();
  });
  after(async () => {
    await cluster?.destroy();
    await rm(keep, { recursive: true, force: true });
  });

  test('every acknowledged object is whole after the crash, mirror copies included', async () => {
    const response = await fetch(`${cluster.target.publicUrl}/v1/daemon?what=config`);
    const config = (await response.json()) as { storage: { fsync_objects: boolean } };
    assert.equal(config.storage.fsync_objects, true, 'the default this test relies on');

    await client.createBucket(mirrored);
    await client.setBucketProps(mirrored, { mirror: { enabled: true, copies: 2 } });
    await client.createBucket(plain);
    const copied = makeObjects('m/', 12, [700, 40_000, 1_200_000]);
    const single = makeObjects('p/', 12, [100, 9_000, 300_000]);
    await putAll(client, mirrored, copied);
    await putAll(client, plain, single);
    // Overwrites: the newer version is the acknowledged one.
    const newer = single
      .slice(0, 4)
      .map((object) => ({ ...object, data: Buffer.from(object.name) }));
    await putAll(client, plain, newer);
    const expected = [...newer, ...single.slice(4)];

    await disk.crash();
    await cluster.target.stop();
    await cluster.target.start(localDisk);
    await cluster.waitForTarget();

    await assertAllReadBack(client, plain, expected);
    for (const object of newer) {
      assert.equal((await client.headObject(plain, object.name)).version, '2', object.name);
    }
    // Both replicas of every mirrored object are on disk, whole (read directly, before a GET could
    // repair anything).
    for (const object of copied) {
      let intact = 0;
      for (const mountpath of cluster.target.mountpaths) {
        const path = join(mountpath, '@ais', mirrored.name, '%ob', object.name);
        const content = await readFile(path).catch(() => undefined);
        if (content?.equals(object.data) === true) intact += 1;
      }
      assert.equal(intact, 2, `${object.name}: two whole replicas`);
    }
    await assertAllReadBack(client, mirrored, copied);
  });
});
