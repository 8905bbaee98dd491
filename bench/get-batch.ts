// GetBatch against plain GETs of the same items in the same run, on a playground of 3 targets:
// - 1,000 objects of 10 KiB: one GetBatch (TAR, `strm`) vs 1,000 GETs, 16 in flight;
// - 1,000 files of 10 KiB archived in 30 tar shards: one GetBatch vs 1,000 `GET ?archpath`, and
//   the same GetBatch with `coloc` 2 (each shard opened once for the batch);
// - 100 objects of 1 MiB: one GetBatch vs 100 GETs (the issue's 1 MiB row, where two thirds of the
//   bytes cross the designated target from its peers).
// BENCH_GETBATCH_WORKLOADS (comma-separated: objects, archived, coloc2, big; default all) picks them.
// Items/s and the nodes' CPU per item (user + system of every node, /proc/PID/stat), medians of
// BENCH_ROUNDS rounds (default 5), subject and yardstick alternating.
// A/B: BENCH_BASELINE_ENTRY=<another build's dist/src/bin/cairn.js> also starts a playground of
// that build with the same data and alternates its GetBatches with this build's, round by round.
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Client, MossReqJson } from '../src/sdk/index.js';
import { Playground } from './lib/playground.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch, type Scratch } from './lib/scratch.js';
import { median } from './lib/median.js';

const bucket = { name: 'batch', provider: 'ais' };
const shape = { proxies: 1, targets: 3, mountpaths: 1 };
const inFlight = 16;
const items = 1000;
const itemBytes = 10 * 1024;
const shards = 30;
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const baselineEntry = process.env['BENCH_BASELINE_ENTRY'];
const bigItems = 100;
const bigItemBytes = 1024 * 1024;

const objectName = (index: number): string => `obj-${String(index).padStart(5, '0')}`;
const shardName = (index: number): string => `shard-${String(index).padStart(3, '0')}.tar`;
const fileName = (index: number): string => `${String(index).padStart(5, '0')}.jpg`;
const bigName = (index: number): string => `big-${String(index).padStart(3, '0')}`;

async function drain(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

/** Runs `count` calls of `one`, `inFlight` at a time. */
async function concurrently(
  count: number,
  one: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await one(index);
      }
    }),
  );
}

function tarOf(files: { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const file of files) pack.entry({ name: file.name, size: file.data.length }, file.data);
  pack.finalize();
  return collect(pack);
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The objects, and the files archived round-robin in the shards (file i in shard i % shards). */
async function load(client: Client): Promise<void> {
  await client.createBucket(bucket);
  await concurrently(items, (index) =>
    client.putObject(bucket, objectName(index), Buffer.alloc(itemBytes, index % 251)),
  );
  await concurrently(shards, async (shard) => {
    const files = [];
    for (let index = shard; index < items; index += shards)
      files.push({ name: fileName(index), data: Buffer.alloc(itemBytes, index % 241) });
    await client.putObject(bucket, shardName(shard), await tarOf(files));
  });
  await concurrently(bigItems, (index) =>
    client.putObject(bucket, bigName(index), Buffer.alloc(bigItemBytes, index % 239)),
  );
}

const objectsRequest: MossReqJson = {
  in: Array.from({ length: items }, (_, index) => ({ objname: objectName(index) })),
  strm: true,
};
const bigRequest: MossReqJson = {
  in: Array.from({ length: bigItems }, (_, index) => ({ objname: bigName(index) })),
  strm: true,
};
const archivedRequest: MossReqJson = {
  in: Array.from({ length: items }, (_, index) => ({
    objname: shardName(index % shards),
    archpath: fileName(index),
  })),
  strm: true,
};

interface Sample {
  perSecond: number;
  cpuMsPerItem: number;
}

async function measure(
  playground: Playground,
  run: () => Promise<void>,
  count = items,
): Promise<Sample> {
  const cpuBefore = (await playground.cpuSeconds()).total;
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await playground.cpuSeconds()).total - cpuBefore;
  return { perSecond: count / seconds, cpuMsPerItem: (cpu * 1000) / count };
}

const batchOf = (client: Client, request: MossReqJson) => async (): Promise<void> => {
  const bytes = await drain((await client.getBatch(request, bucket)).body);
  const least = request.in.length * (request === bigRequest ? bigItemBytes : itemBytes);
  if (bytes < least) throw new Error(`GetBatch: ${bytes} bytes, short`);
};
const getsOf =
  (client: Client, count = items, name = objectName) =>
  () =>
    concurrently(count, async (index) => {
      await drain((await client.getObject(bucket, name(index))).body);
    });
const shardGetsOf = (client: Client) => () =>
  concurrently(items, async (index) => {
    const path = fileName(index);
    await drain((await client.getFromShard(bucket, shardName(index % shards), { path })).body);
  });

interface Cluster {
  playground: Playground;
  client: Client;
}

async function cluster(scratch: Scratch, entry?: string): Promise<Cluster> {
  const playground =
    entry === undefined
      ? await Playground.start(scratch, shape)
      : await Playground.start(scratch, shape, process.env, { build: { entry, name: 'baseline' } });
  const client = playground.client();
  scratch.defer(() => client.close());
  await load(client);
  return { playground, client };
}

type Workload = 'objects' | 'archived' | 'archived, coloc 2' | '1 MiB objects';
const workloadNames: Record<string, Workload> = {
  objects: 'objects',
  archived: 'archived',
  coloc2: 'archived, coloc 2',
  big: '1 MiB objects',
};
const workloads: Workload[] = (
  process.env['BENCH_GETBATCH_WORKLOADS'] ?? Object.keys(workloadNames).join(',')
)
  .split(',')
  .map((name) => {
    const workload = workloadNames[name.trim()];
    if (workload === undefined) throw new Error(`unknown GetBatch workload ${name}`);
    return workload;
  });
const countOf = (workload: Workload): number => (workload === '1 MiB objects' ? bigItems : items);

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  await withScratch('get-batch', async (scratch) => {
    const subject = await cluster(scratch);
    const baseline =
      baselineEntry === undefined ? undefined : await cluster(scratch, baselineEntry);
    const runs = {
      objects: {
        request: objectsRequest,
        yardstick: getsOf(subject.client),
        label: `${items} GETs, ${inFlight} in flight`,
      },
      archived: {
        request: archivedRequest,
        yardstick: shardGetsOf(subject.client),
        label: `${items} GET ?archpath, ${inFlight} in flight`,
      },
      'archived, coloc 2': {
        request: { ...archivedRequest, coloc: 2 },
        yardstick: shardGetsOf(subject.client),
        label: `${items} GET ?archpath, ${inFlight} in flight`,
      },
      '1 MiB objects': {
        request: bigRequest,
        yardstick: getsOf(subject.client, bigItems, bigName),
        label: `${bigItems} GETs, ${inFlight} in flight`,
      },
    };
    const samples = new Map<string, Sample[]>();
    const add = (key: string, sample: Sample): void => {
      samples.set(key, [...(samples.get(key) ?? []), sample]);
    };
    // A warm-up round (indexes built, connections open), then the measured ones.
    for (let round = 0; round <= rounds; round += 1) {
      for (const workload of workloads) {
        const { request, yardstick } = runs[workload];
        const count = countOf(workload);
        const batch = await measure(subject.playground, batchOf(subject.client, request), count);
        const plain = await measure(subject.playground, yardstick, count);
        const old =
          baseline === undefined
            ? undefined
            : await measure(baseline.playground, batchOf(baseline.client, request), count);
        if (round === 0) continue;
        add(`${workload} batch`, batch);
        add(`${workload} plain`, plain);
        if (old !== undefined) add(`${workload} baseline`, old);
      }
    }
    const med = (key: string, field: keyof Sample): number =>
      median((samples.get(key) ?? []).map((sample) => sample[field]));
    for (const workload of workloads) {
      const what =
        workload === '1 MiB objects'
          ? `GetBatch ${bigItems} x 1 MiB objects, 3 targets`
          : workload === 'objects'
            ? `GetBatch ${items} x 10 KiB objects, 3 targets`
            : `GetBatch ${items} x 10 KiB archived files (${shards} tars, ${workload}), 3 targets`;
      rows.push({
        workload: what,
        subject: 'one GetBatch (TAR)',
        yardstick: runs[workload].label,
        unit: 'items/s',
        subjectValue: med(`${workload} batch`, 'perSecond'),
        yardstickValue: med(`${workload} plain`, 'perSecond'),
        note: `CPU ms/item ${med(`${workload} batch`, 'cpuMsPerItem').toFixed(3)} vs ${med(`${workload} plain`, 'cpuMsPerItem').toFixed(3)}`,
      });
      if (baseline !== undefined)
        rows.push({
          workload: what,
          subject: 'this build',
          yardstick: 'baseline build',
          unit: 'items/s',
          subjectValue: med(`${workload} batch`, 'perSecond'),
          yardstickValue: med(`${workload} baseline`, 'perSecond'),
          note: `CPU ms/item ${med(`${workload} batch`, 'cpuMsPerItem').toFixed(3)} vs ${med(`${workload} baseline`, 'cpuMsPerItem').toFixed(3)}`,
        });
    }
  });
  await publish('get-batch', `GetBatch vs plain GETs (median of ${rounds} rounds)`, rows);
}

await main();
