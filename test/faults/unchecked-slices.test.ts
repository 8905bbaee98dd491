// EC in a bucket with checksum type `none`: objects sliced 2+1, the owner's replica removed and one
// slice of each bit-rotted on its holder. A read restores from the slices; without an object
// checksum only the slices' own checks can tell a rotten one, so every read must be the object's
// bytes (decoded from the two intact slices), never the rotten decode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import { DiskWalk, flipByte } from '../harness/disk.js';
import { TestCluster } from '../harness/test-cluster.js';
import { bytesFor } from '../cluster/integration-helpers.js';

const bucket: BucketJson = { name: 'ec-unchecked', provider: 'ais' };
const objectCount = 12;

describe('EC slices in a bucket without checksums', () => {
  let cluster: TestCluster;
  let client: Client;
  const objects = new Map<string, Buffer>();

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 4, mountpaths: 1 });
    client = cluster.client(0);
    await client.createBucket(bucket, {
      checksum: { type: 'none' },
      ec: { enabled: true, data_slices: 2, parity_slices: 1, objsize_limit: 1024 },
    });
    for (let index = 0; index < objectCount; index += 1) {
      const name = `o-${index}`;
      const data = bytesFor(name, 20_000 + index * 1_000);
      await client.putObject(bucket, name, data);
      objects.set(name, data);
    }
  });
  after(() => cluster?.destroy());

  test('a bit-rotted slice is never decoded into the object', async () => {
    const walk = await DiskWalk.of(cluster.dir, ['%ob', '%ec']);
    for (const [index, name] of [...objects.keys()].entries()) {
      const replicas = walk.filesOf('%ob', name);
      const slices = walk.filesOf('%ec', name);
      assert.equal(replicas.length, 1, `${name}: one replica`);
      assert.equal(slices.length, 3, `${name}: three slices`);
      await rm(replicas[0] ?? '');
      // A different slice each time, so that data slices are among the rotten ones.
      await flipByte(slices[index % 3] ?? '', 100);
    }
    const wrong: string[] = [];
    for (const [name, data] of objects) {
      try {
        const read = await client.getObjectBytes(bucket, name);
        if (!read.equals(data)) wrong.push(`${name}: wrong bytes`);
      } catch (error) {
        wrong.push(`${name}: ${String(error)}`);
      }
    }
    assert.deepEqual(wrong, [], 'every object decoded from its intact slices');
  });
});
