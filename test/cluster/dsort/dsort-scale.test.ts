// dSort at scale on a real cluster (1 gateway, 3 targets): records (a `.bin` and a `.cls` each) in
// input tars packed in memory, resharded into shards sorted by key; read back with Debian's tar,
// every record is present exactly once, in order, byte-identical, and every shard but the last
// holds at least the shard size. By default 5,000 records in 40 tars into 1 MiB shards
// (CAIRN_DSORT_SCALE_RECORDS sets the count). CAIRN_DSORT_ISSUE_SCALE=1 runs the issue's acceptance
// run exactly as it states it instead: 20,000 records of 1 KiB on average in 100 tars into 4 MiB
// shards (40 s at load average 10 on the 2 cores, 180 s at load 30: too long for the suite).
// bench/dsort.ts measures the speed.
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

const issueScale = process.env['CAIRN_DSORT_ISSUE_SCALE'] === '1';
const records = issueScale ? 20_000 : Number(process.env['CAIRN_DSORT_SCALE_RECORDS'] ?? 5_000);
const shardCount = issueScale ? 100 : 40;
const perShard = Math.ceil(records / shardCount);
const bodyBytes: readonly [number, number] = issueScale ? [100, 1948] : [50, 400];
const shardBytes = issueScale ? 4 << 20 : 1 << 20;
const input = { name: 'dsort-scale-in', provider: 'ais' };

describe(`dsort at scale (${shardCount * perShard} records in ${shardCount} tars)`, () => {
  let cluster: TestCluster;
  let client: Client;
  let dataset: Dataset;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    client = cluster.client(0);
    await client.createBucket(input);
    dataset = await makeDataset(41, shardCount, perShard, '.tar', {
      bodyBytes,
      packer: 'tar-stream',
    });
    for (const [name, data] of dataset.shards) await client.putObject(input, name, data);
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
      output_shard_size: `${shardBytes >> 20}MiB`,
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
