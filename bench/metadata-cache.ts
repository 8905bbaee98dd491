// What the object metadata cache saves, and what its entries cost: the local store alone (no HTTP),
// GET and HEAD of small objects with the cache on and off in alternating rounds (ops/s and CPU per
// operation of this process, which also runs the thread pool), then the heap taken per cached
// entry against the charge the cache counts it for. `node dist/bench/metadata-cache.js`.
import { cpuUsage } from 'node:process';
import { LocalStore } from '../src/storage/index.js';
import {
  MetadataCache,
  chargeOf,
  encodeObjectMetadata,
  type ObjectMetadata,
} from '../src/storage/meta/index.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  patternBytes,
  removeTemporaryDirectory,
} from '../src/storage/store-fixtures.js';
import { median } from './lib/median.js';

const bucket = { name: 'cache', provider: 'ais' };
const objects = Number(process.env['CACHE_BENCH_OBJECTS'] ?? 1000);
const objectBytes = Number(process.env['CACHE_BENCH_BYTES'] ?? 4096);
const seconds = Number(process.env['CACHE_BENCH_SECONDS'] ?? 2);
const rounds = Number(process.env['CACHE_BENCH_ROUNDS'] ?? 3);
const concurrency = 16;

async function openStore(root: string, metadataCacheBytes: number): Promise<LocalStore> {
  return await LocalStore.open({
    nodeId: 'bench',
    mountpaths: [`${root}/mp0`, `${root}/mp1`],
    storage: {
      fsyncObjects: false,
      verifyInMemoryMaxBytes: 1024 * 1024,
      readChunkBytes: 1024 * 1024,
      metadataCacheBytes,
    },
  });
}

/** Runs `operation` on random objects from `concurrency` loops for `seconds`. */
async function measure(
  operation: (name: string) => Promise<void>,
): Promise<{ perSecond: number; cpuUs: number }> {
  const started = performance.now();
  const cpu = cpuUsage();
  let done = 0;
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await operation(`object-${Math.floor(Math.random() * objects)}`);
        done += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = cpuUsage(cpu);
  return { perSecond: done / elapsed, cpuUs: (used.user + used.system) / done };
}

async function throughput(): Promise<void> {
  const root = await makeTemporaryDirectory();
  try {
    const stores = { on: await openStore(root, 64 * 1024 * 1024), off: undefined as unknown };
    const data = patternBytes(objectBytes);
    for (let index = 0; index < objects; index += 1) {
      await stores.on.putObject({
        bucket,
        name: `object-${index}`,
        body: bodyOf(data),
        checksumType: 'xxhash',
        versioning: true,
        customMetadata: { owner: 'bench', purpose: 'metadata cache' },
      });
    }
    await stores.on.close();
    const results = new Map<string, number[][]>();
    for (let round = 0; round < rounds; round += 1) {
      for (const mode of round % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        const store = await openStore(root, mode === 'on' ? 64 * 1024 * 1024 : 0);
        // Warm: every record read once (and cached, when on).
        for (let index = 0; index < objects; index += 1)
          await store.headObject(bucket, `object-${index}`);
        const get = await measure(async (name) => {
          const { body } = await store.getObject(bucket, name);
          await body.discard();
        });
        const head = await measure(async (name) => {
          await store.headObject(bucket, name);
        });
        await store.close();
        for (const [label, result] of [
          [`GET ${objectBytes} B`, get],
          ['HEAD', head],
        ] as const) {
          const key = `${label}, cache ${mode}`;
          const list = results.get(key) ?? [];
          list.push([result.perSecond, result.cpuUs]);
          results.set(key, list);
        }
      }
    }
    for (const [key, list] of results) {
      const perSecond = median(list.map(([value]) => value ?? 0));
      const cpuUs = median(list.map(([, value]) => value ?? 0));
      console.log(`${key}: ${Math.round(perSecond)} ops/s, ${cpuUs.toFixed(1)} us CPU per op`);
    }
  } finally {
    await removeTemporaryDirectory(root);
  }
}

/** Heap per entry against `chargeOf`, for records with and without custom metadata. */
function footprint(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    console.log('footprint: run with node --expose-gc to measure the heap per entry');
    return;
  }
  for (const custom of [0, 8, 40, 100]) {
    const cache = new MetadataCache(1024 * 1024 * 1024);
    const count = 50_000;
    gc();
    const before = process.memoryUsage().heapUsed;
    let charged = 0;
    let recordBytes = 0;
    for (let index = 0; index < count; index += 1) {
      const path = `/data/mp${index % 4}/@ais/bucket-name/%ob/some/prefix/object-${index}`;
      const customMetadata: Record<string, string> = {};
      for (let key = 0; key < custom; key += 1) customMetadata[`key-${key}`] = `value-${index}`;
      const metadata: ObjectMetadata = {
        size: 4096 + index,
        checksum: { type: 'xxhash', value: (0x1234567890abcdefn + BigInt(index)).toString(16) },
        version: String(index),
        customMetadata,
        copies: [],
        flags: 0,
      };
      recordBytes = encodeObjectMetadata(metadata).length;
      const identity = {
        dev: 2049n,
        ino: BigInt(1_000_000 + index),
        size: BigInt(4096 + index),
        mtimeNs: 1_790_000_000_000_000_000n + BigInt(index),
        ctimeNs: 1_790_000_000_000_000_000n + BigInt(index),
      };
      cache.remember(path, identity, metadata, recordBytes, cache.epoch);
      charged += chargeOf(path, recordBytes);
    }
    gc();
    const used = process.memoryUsage().heapUsed - before;
    console.log(
      `footprint, ${custom} custom keys (record ${recordBytes} B): ` +
        `${Math.round(used / count)} B/entry on the heap, ` +
        `${Math.round(charged / count)} B/entry charged (${cache.stats().entries} entries)`,
    );
  }
}

footprint();
await throughput();
