// Data protection figures. Run: `npm run build && node dist/bench/erasure-coding.js`
// (env: BENCH_OBJECT_BYTES, default 1 MiB; BENCH_OBJECTS, default 200; BENCH_CONCURRENCY, 16).
// 1. Reed-Solomon 4+2 encode rate, GiB of data per second on one core (one encode at a time).
// 2. PUT throughput of EC 4+2 and of 2 mirror copies as a ratio of plain PUT, on one cluster of
//    7 targets x 2 mountpaths in the same run.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ReedSolomonCodec } from '../src/protect/ec/reed-solomon.js';
import type { BucketPropsUpdateJson, Client } from '../src/sdk/index.js';
import { TestCluster } from '../test/harness/test-cluster.js';

const objectBytes = Number(process.env.BENCH_OBJECT_BYTES ?? 1024 * 1024);
const objectCount = Number(process.env.BENCH_OBJECTS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function encodeRate(dataShards: number, parityShards: number): Promise<number> {
  const shardBytes = 1024 * 1024;
  const codec = new ReedSolomonCodec(dataShards, parityShards);
  const data = randomBytes(shardBytes * dataShards);
  const parity = Buffer.alloc(shardBytes * parityShards);
  for (let warm = 0; warm < 10; warm += 1) await codec.encodeParity(data, parity, shardBytes);
  const rounds = 300;
  const started = performance.now();
  for (let round = 0; round < rounds; round += 1)
    await codec.encodeParity(data, parity, shardBytes);
  const seconds = (performance.now() - started) / 1000;
  return (rounds * data.length) / 2 ** 30 / seconds;
}

async function putMiBPerSecond(client: Client, name: string): Promise<number> {
  const bucket = { name, provider: 'ais' };
  const body = randomBytes(objectBytes);
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < objectCount) {
      const index = next;
      next += 1;
      await client.putObject(bucket, `object-${index}`, body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return (objectCount * objectBytes) / 2 ** 20 / seconds;
}

async function main(): Promise<void> {
  for (const [data, parity] of [
    [4, 2],
    [2, 2],
    [8, 4],
  ] as const) {
    const rate = await encodeRate(data, parity);
    console.log(`Reed-Solomon ${data}+${parity} encode: ${rate.toFixed(2)} GiB/s per core`);
  }
  const cluster = await TestCluster.start({ proxies: 1, targets: 7, mountpaths: 2 });
  try {
    const client = cluster.client(0);
    const buckets: Array<[string, BucketPropsUpdateJson | undefined]> = [
      ['plain', undefined],
      ['mirror2', { mirror: { enabled: true, copies: 2 } }],
      ['ec42', { ec: { enabled: true, data_slices: 4, parity_slices: 2 } }],
    ];
    for (const [name, props] of buckets)
      await client.createBucket({ name, provider: 'ais' }, props);
    // Warm-up, then measure plain before and after the others (the yardstick may drift).
    await putMiBPerSecond(client, 'plain');
    const plainBefore = await putMiBPerSecond(client, 'plain');
    const mirror = await putMiBPerSecond(client, 'mirror2');
    const erasure = await putMiBPerSecond(client, 'ec42');
    const plainAfter = await putMiBPerSecond(client, 'plain');
    const plain = (plainBefore + plainAfter) / 2;
    const size = `${(objectBytes / 2 ** 20).toFixed(2)} MiB objects x ${objectCount}, ${concurrency} at a time`;
    console.log(`PUT (${size}):`);
    console.log(
      `  plain     ${plain.toFixed(1)} MiB/s (${plainBefore.toFixed(1)} / ${plainAfter.toFixed(1)})`,
    );
    console.log(
      `  mirror 2  ${mirror.toFixed(1)} MiB/s = ${((100 * mirror) / plain).toFixed(0)}% of plain`,
    );
    console.log(
      `  EC 4+2    ${erasure.toFixed(1)} MiB/s = ${((100 * erasure) / plain).toFixed(0)}% of plain`,
    );
  } finally {
    await cluster.destroy();
  }
}

await main();
