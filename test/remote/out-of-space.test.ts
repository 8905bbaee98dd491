// Out of space on a real cluster whose one target has a single 8 MiB mountpath (a tmpfs): once the
// file system is at `space.out_of_space` percent used, native and S3 PUTs, overwrites and cold
// GETs are refused with 507 (S3 `InsufficientStorage`) well before the disk is full, everything
// stored reads back unchanged, an lru run starts by itself, and writes are accepted again only
// once usage is back below `space.highwm`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ApiError, type Client } from '../../src/sdk/index.js';
import type { BucketJson } from '../../src/wire/index.js';
import { failure, sdkClient } from '../harness/s3-setup.js';
import { waitFor } from '../harness/wait.js';
import {
  createRemoteBucket,
  errorMessage,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const mountpathBytes = 8 * 1024 * 1024;
const objectBytes = 512 * 1024;
const local: BucketJson = { name: 'oos-local', provider: 'ais' };
const remoteName = 'oos-remote';
const highwm = 50;
const outOfSpace = 70;

describe('out of space: writes refused with 507, nothing lost', () => {
  let setup: RemoteSetup;
  let client: Client;
  let mountpath: string;
  const stored = new Map<string, Buffer>();

  before(async () => {
    setup = await startRemoteSetup({
      proxies: 1,
      targets: 1,
      mountpaths: 1,
      mountpathBytes,
      config: {
        'space.cleanupwm': 20,
        'space.lowwm': 30,
        'space.highwm': highwm,
        'space.out_of_space': outOfSpace,
      },
    });
    client = setup.cluster.client(0);
    mountpath = setup.cluster.targets[0]?.spec.mountpaths[0] ?? '';
    await client.createBucket(local);
    await createRemoteBucket(setup, remoteName);
    await setup.direct.send(
      new PutObjectCommand({ Bucket: remoteName, Key: 'remote-0', Body: randomBytes(objectBytes) }),
    );
  });
  after(() => setup?.stop());

  async function usedPercent(): Promise<number> {
    const stats = await statfs(mountpath);
    return ((stats.blocks - stats.bfree) * 100) / stats.blocks;
  }

  /** A native PUT (the SDK): its status and error message. */
  async function put(name: string, body: Buffer): Promise<{ status: number; message: string }> {
    try {
      await client.putObject(local, name, body);
      return { status: 200, message: '' };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return { status: error.status, message: error.detail };
    }
  }

  async function checkStored(): Promise<void> {
    for (const [name, body] of stored) {
      const bytes = await client.getObjectBytes(local, name);
      assert.ok(bytes.equals(body), `${name} reads back unchanged`);
    }
  }

  test('PUTs, overwrites, S3 PUTs and cold GETs are refused at out_of_space', async () => {
    // Usage is read at most once a second: a pause between PUTs lets each see the last one.
    let refused = { status: 0, message: '' };
    for (let index = 0; index < 16; index++) {
      const body = randomBytes(objectBytes);
      const answer = await put(`obj-${index}`, body);
      if (answer.status !== 200) {
        refused = answer;
        break;
      }
      stored.set(`obj-${index}`, body);
      await sleep(1100);
    }
    assert.equal(refused.status, 507, refused.message);
    assert.match(refused.message, /out of space .*space\.out_of_space 70%/);
    const used = await usedPercent();
    assert.ok(used >= outOfSpace && used < 90, `refused at ${used}% used, before the disk is full`);
    assert.ok(stored.size >= 5, `${stored.size} objects stored first`);

    // An overwrite is refused and the object keeps its bytes.
    const first = [...stored.keys()][0] ?? '';
    assert.equal((await put(first, randomBytes(objectBytes))).status, 507);
    // S3: the same refusal, with S3's code.
    const s3 = sdkClient(setup.cluster.primary.publicUrl);
    try {
      const s3Put = new PutObjectCommand({ Bucket: local.name, Key: 's3-obj', Body: 'small' });
      assert.deepEqual(await failure(s3.send(s3Put)), { name: 'InsufficientStorage', status: 507 });
    } finally {
      s3.destroy();
    }
    // A cold GET would store: refused, and nothing is cached.
    const cold = await fetch(objectUrl(setup, remoteName, 'remote-0'));
    assert.equal(cold.status, 507, await errorMessage(cold));
    const presence = await fetch(`${objectUrl(setup, remoteName, 'remote-0')}&presence=1`, {
      method: 'HEAD',
    });
    assert.equal(presence.status, 404, 'not cached');
    await checkStored();
    const listed: string[] = [];
    for await (const entry of client.listObjects(local)) listed.push(entry.name);
    assert.deepEqual(listed.sort(), [...stored.keys()].sort(), 'no partial objects');
    // Entering out-of-space started an lru run (nothing here may be evicted: an ais bucket).
    await waitFor(
      'an lru job',
      30_000,
      async () => (await client.jobs.list({ kind: 'lru' })).length > 0,
    );
  });

  test('writes resume only below highwm', async () => {
    const names = [...stored.keys()];
    // Below out_of_space but above highwm: still refused (the gap keeps it from flapping).
    while ((await usedPercent()) >= outOfSpace - 5 && names.length > 0) {
      const name = names.pop() ?? '';
      await client.deleteObject(local, name);
      stored.delete(name);
    }
    const between = await usedPercent();
    if (between >= highwm) {
      await sleep(1100);
      assert.equal(
        (await put('probe', Buffer.from('x'))).status,
        507,
        `still refused at ${between}%`,
      );
    }
    while ((await usedPercent()) >= highwm - 5 && names.length > 0) {
      const name = names.pop() ?? '';
      await client.deleteObject(local, name);
      stored.delete(name);
    }
    assert.ok((await usedPercent()) < highwm);
    await waitFor(
      'a PUT accepted again',
      10_000,
      async () => (await put('probe', Buffer.from('x'))).status === 200,
    );
    const response = await fetch(objectUrl(setup, remoteName, 'remote-0'));
    assert.equal(response.status, 200, 'a cold GET stores again');
    assert.equal((await response.arrayBuffer()).byteLength, objectBytes);
    await checkStored();
  });
});
