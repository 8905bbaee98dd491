// The cluster a chaos run works on: 2 gateways and 3 targets, a native and an S3 bucket filled with
// stable objects (small ones and a few of several MiB), object owners from the cluster map, and a
// bounded worker pool to drive requests.
import assert from 'node:assert/strict';
import { PlacementMap } from '../../src/sdk/index.js';
import type { NodeProcess } from '../harness/node-process.js';
import { fetchClusterMap } from '../harness/placement.js';
import type { Prng } from '../harness/prng.js';
import { signedHeaders } from '../harness/s3-signer.js';
import { TestCluster } from '../harness/test-cluster.js';
import { IntendedContents, contentOf } from './chaos-content.js';
import { baseUrlOf, type ChaosWorld, type StoredObject } from './chaos-requests.js';
import { minPartBytes } from './multipart-sessions.js';
import { closingRequest } from './raw-exchange.js';

const kib = 1024;
const mib = 1024 * kib;

/** Stable objects per bucket, the first `largeObjects` of several MiB (files, not memory reads). */
const stableObjects = 60;
const largeObjects = 6;

/** Runs `tasks` with `workers` at a time, starting none after `deadline`; returns how many ran. */
export async function runPool<T>(
  tasks: readonly T[],
  workers: number,
  deadline: number,
  run: (task: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  let ran = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < tasks.length && Date.now() < deadline) {
        const task = tasks[next++] as T;
        await run(task);
        ran += 1;
      }
    }),
  );
  return ran;
}

async function storeStable(world: ChaosWorld, object: StoredObject): Promise<void> {
  const body = contentOf(object.id, object.length);
  if (object.bucket === world.nativeBucket) {
    const owner = world.ownerOf(object.bucket, object.name);
    const path = `/v1/objects/${object.bucket}/${object.name}`;
    const answer = await closingRequest(owner.port, 'PUT', path, { body });
    assert.equal(answer.status, 200, `PUT ${path}: ${answer.bytes.toString()}`);
    return;
  }
  const gateway = world.gateways[0] as NodeProcess;
  const path = `/${object.bucket}/${object.name}`;
  const headers = await signedHeaders(baseUrlOf(gateway), 'PUT', path, {});
  const answer = await closingRequest(gateway.port, 'PUT', path, { headers, body });
  assert.equal(answer.status, 200, `S3 PUT ${path}: ${answer.bytes.toString()}`);
}

/** Starts the cluster, creates both buckets and stores the stable objects. */
export async function startChaosWorld(
  rng: Prng,
): Promise<{ cluster: TestCluster; world: ChaosWorld }> {
  const cluster = await TestCluster.start({
    proxies: 2,
    targets: 3,
    mountpaths: 2,
    config: { 's3.multipart_min_part_bytes': minPartBytes },
  });
  try {
    const gateway = cluster.primary;
    const nativeBucket = 'chaos-native';
    const s3Bucket = 'chaos-s3';
    const created = await closingRequest(gateway.port, 'POST', `/v1/buckets/${nativeBucket}`, {
      body: '{"action":"create-bck"}',
    });
    assert.equal(created.status, 200, created.bytes.toString());
    const headers = await signedHeaders(baseUrlOf(gateway), 'PUT', `/${s3Bucket}`, {});
    const s3Created = await closingRequest(gateway.port, 'PUT', `/${s3Bucket}`, { headers });
    assert.equal(s3Created.status, 200, s3Created.bytes.toString());
    const placement = new PlacementMap(await fetchClusterMap(gateway.publicUrl));
    const byId = new Map(cluster.targets.map((target) => [target.id, target]));
    const stable: StoredObject[] = [];
    for (const bucket of [nativeBucket, s3Bucket]) {
      for (let i = 0; i < stableObjects; i += 1) {
        const length = i < largeObjects ? rng.int(2 * mib, 5 * mib) : rng.int(64, 48 * kib);
        stable.push({ bucket, name: `stable/${i}`, id: `${bucket}-stable-${i}`, length });
      }
    }
    const world: ChaosWorld = {
      gateways: cluster.proxies,
      targets: cluster.targets,
      nativeBucket,
      s3Bucket,
      stable,
      victims: Array.from({ length: 24 }, (_, i) => `victim/${i}`),
      ownerOf: (bucket, name) => {
        const id = placement.owner({ name: bucket, provider: 'ais' }, name)?.daemon_id;
        const owner = id === undefined ? undefined : byId.get(id);
        if (owner === undefined) throw new Error(`no owner for ${bucket}/${name}`);
        return owner;
      },
      contents: new IntendedContents(),
    };
    await runPool(stable, 4, Number.POSITIVE_INFINITY, (object) => storeStable(world, object));
    return { cluster, world };
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
}

/** An object's bytes as its owner serves them natively (undefined: 404). */
export async function readNative(
  world: ChaosWorld,
  bucket: string,
  name: string,
): Promise<Buffer | undefined> {
  const owner = world.ownerOf(bucket, name);
  const answer = await closingRequest(owner.port, 'GET', `/v1/objects/${bucket}/${name}`);
  if (answer.status === 404) return undefined;
  assert.equal(answer.status, 200, `GET ${bucket}/${name}: ${answer.bytes.toString()}`);
  return answer.bytes;
}

/** Names and sizes under `prefix` in a gateway's native listing (one page: the test stores few). */
export async function listedObjects(
  world: ChaosWorld,
  bucket: string,
  prefix: string,
): Promise<Map<string, number>> {
  const gateway = world.gateways[0] as NodeProcess;
  const message = { action: 'list', value: { prefix, props: 'name,size', pagesize: 1000 } };
  const answer = await closingRequest(gateway.port, 'GET', `/v1/buckets/${bucket}`, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  assert.equal(answer.status, 200, `list ${bucket}: ${answer.bytes.toString()}`);
  const page = JSON.parse(answer.bytes.toString()) as {
    entries: { name: string; size?: string }[] | null;
    continuation_token?: string;
  };
  assert.ok(!page.continuation_token, `list ${bucket}: more than one page`);
  return new Map((page.entries ?? []).map((entry) => [entry.name, Number(entry.size ?? 0)]));
}
