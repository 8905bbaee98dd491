// HRW spreads objects evenly: 3,000 objects over 3 targets x 2 mountpaths, each target within ±20%
// of the mean, every mountpath used, and each object on the target the SDK's own HRW predicts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { highestRandomWeight, nodeDigest, objectDigest } from '../../src/placement/index.js';
import type { Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { findFiles } from '../harness/disk.js';

const bucket = { name: 'spread', provider: 'ais' };
const objectCount = 3000;

describe('placement spread', () => {
  let cluster: TestCluster;
  let client: Client;

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 2, targets: 3, mountpaths: 2 },
      bucket,
    ));
    const names = Array.from({ length: objectCount }, (_, i) => `shard-${i}/sample.bin`);
    for (let i = 0; i < names.length; i += 64) {
      await Promise.all(names.slice(i, i + 64).map((name) => client.putObject(bucket, name, name)));
    }
  });
  after(() => cluster?.destroy());

  test('each target holds within ±20% of the mean, on every mountpath', async () => {
    const mean = objectCount / cluster.targets.length;
    for (const target of cluster.targets) {
      const files = await findFiles(target.spec.dir, '%ob');
      assert.ok(
        Math.abs(files.length - mean) <= 0.2 * mean,
        `${target.spec.name} holds ${files.length}, mean ${mean}`,
      );
      for (const mountpath of target.spec.mountpaths) {
        const count = files.filter((path) => path.startsWith(`${mountpath}/`)).length;
        assert.ok(count > 0.2 * files.length, `${mountpath} holds ${count} of ${files.length}`);
      }
    }
  });

  test('every object sits on the target a client computes with HRW', async () => {
    const candidates = cluster.targets.map((target) => ({
      id: target.id,
      digest: nodeDigest(target.id),
      dir: target.spec.dir,
    }));
    for (let i = 0; i < objectCount; i += 97) {
      const name = `shard-${i}/sample.bin`;
      const owner = highestRandomWeight(objectDigest(`ais/@#/spread/${name}`), candidates);
      const props = await client.headObject(bucket, name);
      assert.match(props.location ?? '', new RegExp(`^t\\[${owner?.id}\\]:${owner?.dir}/`));
    }
  });

  test('a full listing returns all objects once, in order', async () => {
    let count = 0;
    let previous = '';
    for await (const entry of client.listObjects(bucket, { pagesize: 1000 })) {
      assert.ok(entry.name > previous);
      previous = entry.name;
      count += 1;
    }
    assert.equal(count, objectCount);
  });
});
