// Listing a bucket of 1,000,000 objects (BENCH_LIST_OBJECTS to change): entries/s through the
// native API against `find` walking the same files. The objects are created by writing empty
// files and their metadata attribute straight into each owner target's HRW mountpath, in the
// store's own layout (a PUT per object would take most of the suite's time budget); 1,000
// directories of 1,000 objects, as datasets are sharded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setAttributeSync } from 'fs-xattr';
import { hashBuffer } from '../src/checksum/index.js';
import { highestRandomWeight, mountpathDigest, objectDigest } from '../src/placement/index.js';
import { PlacementMap, nodePublicUrl } from '../src/sdk/index.js';
import { objectRoot } from '../src/storage/layout/index.js';
import { encodeObjectMetadata, metadataAttributeName } from '../src/storage/meta/index.js';
import { objectUname } from '../src/wire/index.js';
import { Playground } from './lib/playground.js';
import { runTool } from './lib/processes.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const objectCount = Number(process.env['BENCH_LIST_OBJECTS'] ?? 1_000_000);
const perDirectory = 1000;
const bucket = { name: 'listing', provider: 'ais' };

interface PlaygroundRecord {
  nodes: { role: string; publicUrl: string; mountpaths: string[] }[];
}

/** Writes every object into its owner target's HRW mountpath; returns the object roots used. */
async function populate(
  playground: Playground,
  client: ReturnType<Playground['client']>,
): Promise<string[]> {
  const state = JSON.parse(
    await readFile(join(playground.dir, 'playground.json'), 'utf8'),
  ) as PlaygroundRecord;
  const map = await client.clusterMap({ refresh: true });
  const placement = new PlacementMap(map);
  const mountpathsByUrl = new Map(
    state.nodes
      .filter((node) => node.role === 'target')
      .map((node) => [
        node.publicUrl,
        node.mountpaths.map((path) => ({
          path: resolve(path),
          digest: mountpathDigest(resolve(path)),
        })),
      ]),
  );
  const record = encodeObjectMetadata({
    size: 0,
    checksum: { type: 'xxhash', value: hashBuffer('xxhash', Buffer.alloc(0)) },
    customMetadata: {},
    copies: [],
    flags: 0,
  });
  const created = new Set<string>();
  const roots = new Set<string>();
  for (let index = 0; index < objectCount; index += 1) {
    const directory = `shard-${String(Math.floor(index / perDirectory)).padStart(4, '0')}`;
    const name = `${directory}/object-${String(index).padStart(7, '0')}`;
    const owner = placement.owner(bucket, name);
    const mountpaths = owner === undefined ? undefined : mountpathsByUrl.get(nodePublicUrl(owner));
    const home =
      mountpaths === undefined ? undefined : highestRandomWeight(objectDigestOf(name), mountpaths);
    if (home === undefined) throw new Error(`no mountpath for ${name}`);
    const root = objectRoot(home.path, bucket);
    roots.add(root);
    const parent = join(root, directory);
    if (!created.has(parent)) {
      mkdirSync(parent, { recursive: true });
      created.add(parent);
    }
    const path = join(root, name);
    writeFileSync(path, '');
    setAttributeSync(path, metadataAttributeName, record);
    if (index % 100_000 === 99_999)
      process.stderr.write(`list-objects: ${index + 1} objects written\n`);
    // Let a Ctrl-C reach the teardown: the loop is synchronous for speed.
    if (index % 10_000 === 9_999) await new Promise((resolve) => setImmediate(resolve));
  }
  return [...roots];
}

function objectDigestOf(name: string): bigint {
  return objectDigest(objectUname(bucket, name));
}

async function main(): Promise<void> {
  let cairnRate: number | undefined;
  let findRate: number | undefined;
  let note = '';
  await withScratch('list', async (scratch) => {
    const playground = await Playground.start(scratch);
    const client = playground.client();
    scratch.defer(() => client.close());
    await client.createBucket(bucket);
    const started = performance.now();
    const roots = await populate(playground, client);
    process.stderr.write(
      `list-objects: ${objectCount} objects in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );

    const findStarted = performance.now();
    // One byte per file, not its path: a million paths would overflow the captured output.
    const found = await runTool('find', [...roots, '-type', 'f', '-printf', '.'], {
      timeoutMs: 600_000,
    });
    const findCount = found.stdout.length;
    findRate = findCount / ((performance.now() - findStarted) / 1000);

    const listStarted = performance.now();
    let listed = 0;
    for await (const entry of client.listObjects(bucket)) {
      if (entry.name !== '') listed += 1;
    }
    cairnRate = listed / ((performance.now() - listStarted) / 1000);
    if (listed !== objectCount || findCount !== objectCount) {
      note = `listed ${listed}, find ${findCount}, expected ${objectCount}`;
    }
  });
  await publish('list-objects', `List a bucket of ${objectCount} objects`, [
    {
      workload: `list ${objectCount} objects`,
      subject: 'Cairn native list',
      yardstick: "find -type f -printf '.'",
      unit: 'entries/s',
      subjectValue: cairnRate,
      yardstickValue: findRate,
      ...(note === '' ? {} : { note }),
    },
  ]);
}

await main();
