// LRU eviction on a real cluster whose one target has a single 8 MiB mountpath (a tmpfs): cached
// objects of an aws:// bucket fill it past the watermarks, and the `lru` job — started on demand,
// then by the target itself when usage passes `space.highwm` — evicts the least recently read
// ones until usage is below `space.lowwm`. Access times are set on the files behind the cluster's
// back to say when each object was last read hours ago; reads through the cluster then count as
// recent (recorded in memory, written to the files in a batch). The ais:// bucket's objects, as old
// as the rest, are never evicted, and every evicted object is still read (a cold GET again).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stat, statfs, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Client } from '../../src/sdk/index.js';
import type { BucketJson } from '../../src/wire/index.js';
import { waitFor } from '../harness/wait.js';
import {
  createRemoteBucket,
  objectUrl,
  startRemoteSetup,
  type RemoteSetup,
} from './remote-bucket-helpers.js';

const mountpathBytes = 8 * 1024 * 1024;
const objectBytes = 512 * 1024;
const remoteName = 'lru-remote';
const remote: BucketJson = { name: remoteName, provider: 'aws' };
const local: BucketJson = { name: 'lru-local', provider: 'ais' };
/** Remote objects: 10 × 512 KiB, with the ais bucket's 2 about 75% of the mountpath. */
const remoteNames = Array.from({ length: 10 }, (_, index) => `obj-${index}`);
const localNames = ['keep-0', 'keep-1'];
const hourMs = 3_600_000;

describe('LRU eviction of cached remote objects', () => {
  let setup: RemoteSetup;
  let client: Client;
  let mountpath: string;
  const bodies = new Map<string, Buffer>();

  before(async () => {
    setup = await startRemoteSetup({
      proxies: 1,
      targets: 1,
      mountpaths: 1,
      mountpathBytes,
      config: {
        'space.cleanupwm': 20,
        'space.lowwm': 40,
        'space.highwm': 90,
        'space.out_of_space': 95,
        'lru.capacity_upd_time_ms': 10_000,
      },
    });
    client = setup.cluster.client(0);
    mountpath = setup.cluster.targets[0]?.spec.mountpaths[0] ?? '';
    await createRemoteBucket(setup, remoteName);
    await client.createBucket(local);
    for (const name of remoteNames) {
      const body = randomBytes(objectBytes);
      bodies.set(name, body);
      await setup.direct.send(new PutObjectCommand({ Bucket: remoteName, Key: name, Body: body }));
    }
    for (const name of localNames) {
      const body = randomBytes(objectBytes);
      bodies.set(name, body);
      await client.putObject(local, name, body);
    }
  });
  after(() => setup?.stop());

  function bodyOf(name: string): Buffer {
    const body = bodies.get(name);
    assert.ok(body !== undefined, name);
    return body;
  }

  function filePath(bucket: BucketJson, name: string): string {
    return join(mountpath, `@${bucket.provider}`, bucket.name, '%ob', name);
  }

  async function usedPercent(): Promise<number> {
    const stats = await statfs(mountpath);
    return ((stats.blocks - stats.bfree) * 100) / stats.blocks;
  }

  async function cached(name: string): Promise<boolean> {
    const head = await fetch(`${objectUrl(setup, remoteName, name)}&presence=1`, {
      method: 'HEAD',
    });
    assert.ok(head.status === 200 || head.status === 404, `HEAD ${name}: ${head.status}`);
    return head.status === 200;
  }

  async function read(name: string): Promise<void> {
    const response = await fetch(objectUrl(setup, remoteName, name));
    assert.equal(response.status, 200, `GET ${name}`);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bodyOf(name)), `${name} bytes`);
  }

  /**
   * Reads every remote object not cached through the cluster (a cold GET, which records no access)
   * and waits until each is cached.
   */
  async function cacheAll(): Promise<void> {
    for (const name of remoteNames) {
      if (await cached(name)) continue;
      await read(name);
      await waitFor(`${name} cached`, 10_000, () => cached(name));
    }
  }

  /**
   * Says (on the files) that object i was last read 3 hours ago plus i minutes: obj-0 is the least
   * recently used; the ais objects are older than all of them.
   */
  async function age(): Promise<void> {
    const now = Date.now();
    const files = [
      ...remoteNames.map((name, index) => ({
        path: filePath(remote, name),
        atimeMs: now - 3 * hourMs + index * 60_000,
      })),
      ...localNames.map((name) => ({ path: filePath(local, name), atimeMs: now - 10 * hourMs })),
    ];
    for (const { path, atimeMs } of files) {
      const { mtime } = await stat(path);
      await utimes(path, atimeMs / 1000, mtime);
    }
  }

  /** The evicted remote objects are the least recently used ones: a prefix of `order`. */
  async function checkEvicted(order: readonly string[], kept: readonly string[]): Promise<number> {
    const presence = await Promise.all(order.map((name) => cached(name)));
    const evicted = presence.filter((present) => !present).length;
    assert.ok(evicted > 0, 'something was evicted');
    assert.deepEqual(
      presence,
      order.map((_, index) => index >= evicted),
      `least recently used first: ${JSON.stringify(presence)}`,
    );
    for (const name of kept) assert.ok(await cached(name), `${name} read recently: kept`);
    for (const name of localNames) {
      const bytes = await client.getObjectBytes(local, name);
      assert.ok(bytes.equals(bodyOf(name)), `ais object ${name} untouched`);
    }
    assert.ok((await usedPercent()) < 40, `below lowwm: ${await usedPercent()}%`);
    return evicted;
  }

  test('an lru job started on demand evicts the least recently read down to lowwm', async () => {
    await cacheAll();
    const before = await usedPercent();
    assert.ok(before > 60 && before < 90, `filled to ${before}%`);
    await age();
    // Read through the cluster now: recent, so kept (within lru.dont_evict_time, 2h).
    await read('obj-0');
    await read('obj-1');
    const id = await client.jobs.start('lru');
    const status = await client.jobs.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.err, '', 'lru job succeeded');
    const evicted = await checkEvicted(remoteNames.slice(2), ['obj-0', 'obj-1']);
    const snapshots = Object.values(await client.jobs.snapshots({ id })).flat();
    assert.equal(snapshots.length, 1);
    assert.equal(snapshots[0]?.kind, 'lru');
    assert.equal(snapshots[0]?.stats['lru-evicted-objs'], String(evicted));
    assert.equal(snapshots[0]?.stats['lru-evicted-bytes'], String(evicted * objectBytes));
    assert.match(snapshots[0]?.ctlmsg ?? '', /below lowwm/);
    // Evicted objects are still there to read: a cold GET again.
    for (const name of remoteNames.slice(2, 2 + evicted)) await read(name);
  });

  test('Force evicts from a named bucket whose lru.enabled is false', async () => {
    await cacheAll();
    await age();
    await client.setBucketProps(remote, { lru: { enabled: false } });
    try {
      const id = await client.jobs.start('lru');
      assert.equal((await client.jobs.wait(id, { timeoutMs: 120_000 })).err, '');
      for (const name of remoteNames) assert.ok(await cached(name), `${name} kept: lru disabled`);
      // Force needs the buckets named: it overrides their lru.enabled, nothing else.
      await assert.rejects(client.jobs.start('lru', { force: true }), /name them/);
      const forced = await client.jobs.start('lru', { bucket: remote, force: true });
      assert.equal((await client.jobs.wait(forced, { timeoutMs: 120_000 })).err, '');
      await checkEvicted(remoteNames, []);
    } finally {
      await client.setBucketProps(remote, { lru: { enabled: true } });
    }
  });

  test('a target above highwm starts lru by itself', async () => {
    await cacheAll();
    await age();
    const running = new Set((await client.jobs.list({ kind: 'lru' })).map((job) => job.uuid));
    // Above the new high watermark: the next capacity look (every 10 s) starts the job.
    await setup.cluster.client(0).cluster.setConfig({ 'space.highwm': 60 });
    let started = '';
    await waitFor('an lru job the target started', 60_000, async () => {
      const jobs = await client.jobs.list({ kind: 'lru' });
      const job = jobs.find((item) => !running.has(item.uuid) && item.end_time !== 0);
      started = job?.uuid ?? '';
      return job !== undefined;
    });
    const status = await client.jobs.status(started);
    assert.equal(status.err, '');
    await checkEvicted(remoteNames, []);
  });
});
