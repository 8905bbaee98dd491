// dSort at the scale on a real cluster (1 gateway, 3 targets): 20,000 records (a `.bin`
// of 100..1948 bytes, about 1 KiB on average, and a `.cls` each) in 100 input tars packed in
// memory, resharded into shards of 4 MiB sorted by key; read back with Debian's tar, every record
// is present exactly once, in order, byte-identical, and every shard but the last holds at least
// the shard size. bench/dsort.ts measures the speed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../../src/sdk/index.js';
import { TestCluster } from '../../harness/test-cluster.js';
import {
  checkAllOnce,
  filesOf,
  makeDataset,
  readOutputs,
  readTarInMemory,
  type Dataset,
} from './dsort-data.js';

const shardCount = 100;
const perShard = 200;
const shardBytes = 4 << 20;
const input = { name: 'dsort-scale-in', provider: 'ais' };
/** Input shards uploaded at once. */
const putConcurrency = 8;

describe(`dsort at scale (${shardCount * perShard} records in ${shardCount} tars)`, () => {
  let cluster: TestCluster;
  let client: Client;
  let dataset: Dataset;

  before(async () => {
    // The dataset is packed while the nodes start (they are other processes).
    const starting = TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    starting.catch(() => undefined);
    dataset = await makeDataset(41, shardCount, perShard, '.tar', {
      bodyBytes: [100, 1948],
      packer: 'tar-stream',
    });
    cluster = await starting;
    client = cluster.client(0);
    await client.createBucket(input);
    const queue = [...dataset.shards];
    await Promise.all(
      Array.from({ length: putConcurrency }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift())
          await client.putObject(input, next[0], next[1]);
      }),
    );
  });
  after(async () => {
    await cluster?.destroy();
  });

  test(`every record once, in order, byte-identical, in shards of ${shardBytes >> 20} MiB`, async () => {
    const id = await client.dsort.start({
      input_bck: input,
      input_format: { template: `in-{000..${String(shardCount - 1).padStart(3, '0')}}.tar` },
      output_bck: { name: 'dsort-scale-out' },
      output_format: 'out-{0000..9999}.tar',
      output_shard_size: '4MiB',
    });
    const metrics = await client.dsort.wait(id, { timeoutMs: 1_800_000 });
    for (const info of Object.values(metrics)) {
      assert.deepEqual(info.Metrics.errors ?? [], [], JSON.stringify(info.Metrics));
      assert.equal(info.archived, true);
    }
    const files = filesOf(dataset);
    const shards = await readOutputs(client, 'dsort-scale-out', '.tar', (data) =>
      readTarInMemory(data, files),
    );
    const keys = checkAllOnce(shards, dataset, files);
    assert.equal(keys.length, shardCount * perShard);
    assert.deepEqual(keys, [...keys].sort());
    shards.forEach(({ shard, files: content }, index) => {
      assert.equal(shard, `out-${String(index).padStart(4, '0')}.tar`);
      const size = content.reduce((total, file) => total + file.data.length, 0);
      if (index < shards.length - 1) assert.ok(size >= shardBytes, `${shard}: only ${size} bytes`);
    });
  });
});
