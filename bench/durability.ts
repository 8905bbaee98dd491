// What `storage.fsync_objects` costs a PUT: the local store (no HTTP, so the disk and not the
// network sets the pace) writing 4 KiB and 1 MiB objects, one at a time and 16 at once, with fsync
// on (subject) and off (yardstick), in alternating rounds on the same disk so that drift in the
// machine's load falls on both. Reports PUT/s and the mean latency of a single writer.
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalStore } from '../src/storage/index.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const roundMs = Number(process.env['BENCH_DURABILITY_MS'] ?? 4000);
const rounds = Number(process.env['BENCH_DURABILITY_ROUNDS'] ?? 3);
const bucket = { name: 'bench', provider: 'ais' };

interface Case {
  sizeBytes: number;
  concurrency: number;
}

const cases: Case[] = [
  { sizeBytes: 4096, concurrency: 1 },
  { sizeBytes: 4096, concurrency: 16 },
  { sizeBytes: 1024 * 1024, concurrency: 1 },
  { sizeBytes: 1024 * 1024, concurrency: 16 },
];

/** PUTs for `roundMs` (names cycle over 1,000 so most PUTs replace a version); returns PUT/s. */
async function putRound(store: LocalStore, test: Case, data: Buffer): Promise<number> {
  let count = 0;
  const started = performance.now();
  const writer = async (): Promise<void> => {
    while (performance.now() - started < roundMs) {
      await store.putObject({
        bucket,
        name: `object-${count % 1000}`,
        body: Readable.from([data], { objectMode: false }),
        contentLength: data.length,
        checksumType: 'xxhash',
        versioning: true,
      });
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: test.concurrency }, writer));
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const totals = new Map<string, { on: number; off: number }>();
  await withScratch('durability', async (scratch) => {
    const open = (fsyncObjects: boolean): Promise<LocalStore> =>
      LocalStore.open({
        nodeId: 'bench',
        mountpaths: [join(scratch.dir, fsyncObjects ? 'synced' : 'unsynced')],
        storage: { fsyncObjects, verifyInMemoryMaxBytes: 1024 * 1024, readChunkBytes: 65536 },
      });
    const stores = { on: await open(true), off: await open(false) };
    for (let round = 0; round < rounds; round += 1) {
      for (const test of cases) {
        const data = Buffer.alloc(test.sizeBytes, round + 1);
        const key = `${test.sizeBytes}/${test.concurrency}`;
        const total = totals.get(key) ?? { on: 0, off: 0 };
        // Alternate which goes first, so neither always meets a warmer page cache.
        const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
        for (const mode of order) total[mode] += await putRound(stores[mode], test, data);
        totals.set(key, total);
      }
    }
    await stores.on.close();
    await stores.off.close();
  });
  const rows: ResultRow[] = [];
  for (const test of cases) {
    const total = totals.get(`${test.sizeBytes}/${test.concurrency}`) ?? { on: 0, off: 0 };
    const size = test.sizeBytes >= 1024 * 1024 ? '1MiB' : '4KiB';
    const on = total.on / rounds;
    const off = total.off / rounds;
    rows.push({
      workload: `PUT ${size}, ${test.concurrency} at once (store)`,
      subject: 'fsync_objects on',
      yardstick: 'fsync_objects off',
      unit: 'PUT/s',
      subjectValue: on,
      yardstickValue: off,
      ...(test.concurrency === 1
        ? { note: `mean latency ${(1000 / on).toFixed(1)} ms vs ${(1000 / off).toFixed(1)} ms` }
        : {}),
    });
  }
  await publish('durability', 'PUT with and without fsync (local store, versioned bucket)', rows);
}

await main();
