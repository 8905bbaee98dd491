// Objects written straight into each owner target's HRW mountpath, in the store's own layout
// (empty files with their metadata attribute): a PUT per object would take most of a benchmark's
// time budget when it needs hundreds of thousands of them. Used where the objects' bytes do not
// matter (listing, eviction).
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setAttributeSync } from 'fs-xattr';
import { hashBuffer } from '../../src/checksum/index.js';
import { highestRandomWeight, mountpathDigest, objectDigest } from '../../src/placement/index.js';
import { PlacementMap, nodePublicUrl, type BucketJson, type Client } from '../../src/sdk/index.js';
import { objectRoot } from '../../src/storage/layout/index.js';
import { encodeObjectMetadata, metadataAttributeName } from '../../src/storage/meta/index.js';
import { objectUname } from '../../src/wire/index.js';
import type { Playground } from './playground.js';

interface PlaygroundRecord {
  nodes: { role: string; publicUrl: string; mountpaths: string[] }[];
}

export interface DirectObjects {
  bucket: BucketJson;
  count: number;
  /** The name of object `index` (a `/` makes directories). */
  nameOf(index: number): string;
  /** The files' access time (seconds since the epoch); the current time when absent. */
  atimeSeconds?: number;
  /** Progress lines on stderr name this. */
  label: string;
}

/** Writes every object into its owner target's HRW mountpath; returns the object roots used. */
export async function writeObjectsDirectly(
  playground: Playground,
  client: Client,
  objects: DirectObjects,
): Promise<string[]> {
  const { bucket } = objects;
  const state = JSON.parse(
    await readFile(join(playground.dir, 'playground.json'), 'utf8'),
  ) as PlaygroundRecord;
  const placement = new PlacementMap(await client.clusterMap({ refresh: true }));
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
  for (let index = 0; index < objects.count; index += 1) {
    const name = objects.nameOf(index);
    const owner = placement.owner(bucket, name);
    const mountpaths = owner === undefined ? undefined : mountpathsByUrl.get(nodePublicUrl(owner));
    const digest = objectDigest(objectUname(bucket, name));
    const home = mountpaths === undefined ? undefined : highestRandomWeight(digest, mountpaths);
    if (home === undefined) throw new Error(`no mountpath for ${name}`);
    const root = objectRoot(home.path, bucket);
    roots.add(root);
    const path = join(root, name);
    const parent = join(path, '..');
    if (!created.has(parent)) {
      mkdirSync(parent, { recursive: true });
      created.add(parent);
    }
    writeFileSync(path, '');
    setAttributeSync(path, metadataAttributeName, record);
    if (objects.atimeSeconds !== undefined) {
      const now = Date.now() / 1000;
      utimesSync(path, objects.atimeSeconds, now);
    }
    if (index % 100_000 === 99_999)
      process.stderr.write(`${objects.label}: ${index + 1} objects written\n`);
    // Let a Ctrl-C reach the teardown: the loop is synchronous for speed.
    if (index % 10_000 === 9_999) await new Promise((resolve) => setImmediate(resolve));
  }
  return [...roots];
}
