// A running target on a faulty disk (in-process, behind a gateway process): an unreadable replica
// of a mirrored object is served from the other copy and repaired; a full disk mid-PUT is a clean
// 507 that leaves the older version; a torn metadata write makes the object corrupt, never served;
// a mountpath that fails every call is disabled and its objects restored on the others.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ApiError, type Client } from '../../src/sdk/index.js';
import type { NodeStatusJson } from '../../src/wire/index.js';
import { findFiles } from '../harness/disk.js';
import { inodeOf } from '../harness/durability-journal.js';
import { FaultyDisk } from '../harness/faulty-disk.js';
import { InProcessCluster } from '../harness/in-process-target.js';
import { sdkClient } from '../harness/s3-setup.js';
import { waitFor } from '../harness/wait.js';
import { makeObjects, putAll, assertAllReadBack } from './protection-helpers.js';

const mirrored = { name: 'mirrored', provider: 'ais' };
const plain = { name: 'plain', provider: 'ais' };

/** The object's file under `%ob` on `mountpath`. */
function objectPath(mountpath: string, bucket: { name: string }, name: string): string {
  return join(mountpath, '@ais', bucket.name, '%ob', name);
}

/** The home mountpath HEAD reports (`t[id]:/path`). */
async function homeOf(client: Client, bucket: typeof plain, name: string): Promise<string> {
  const location = (await client.headObject(bucket, name)).location ?? '';
  return location.slice(location.indexOf(':') + 1);
}

function apiError(status: number, code: string): (error: unknown) => boolean {
  return (error: unknown) =>
    error instanceof ApiError && error.status === status && error.body?.tcode === code;
}

async function mountpathState(cluster: InProcessCluster): Promise<{ disabled: string[] }> {
  const response = await fetch(`${cluster.target.publicUrl}/v1/daemon?what=mountpaths`);
  return (await response.json()) as { disabled: string[] };
}

describe('a running target on a faulty disk', () => {
  let disk: FaultyDisk;
  let cluster: InProcessCluster;
  let client: Client;

  before(async () => {
    disk = new FaultyDisk();
    cluster = await InProcessCluster.start(disk, 2);
    client = cluster.client();
    await client.createBucket(mirrored);
    await client.setBucketProps(mirrored, { mirror: { enabled: true, copies: 2 } });
    await client.createBucket(plain);
  });
  after(() => cluster?.destroy());

  test('EIO reading one replica of a mirrored object: served from the other copy, then repaired', async () => {
    const data = randomBytes(50_000);
    await client.putObject(mirrored, 'eio/one', data);
    const home = await homeOf(client, mirrored, 'eio/one');
    const path = objectPath(home, mirrored, 'eio/one');
    const inode = await inodeOf(path);
    assert.ok(inode !== undefined);
    // Bad blocks in that file: its reads fail, whatever else the disk does.
    const eio = disk.inject({ operations: ['read'], path, inode, fault: { error: 'EIO' } });
    try {
      assert.ok((await client.getObjectBytes(mirrored, 'eio/one')).equals(data));
      assert.ok(eio.fired >= 1, 'the GET met the fault');
      // The unreadable file went to quarantine; a fresh copy holds the name on the home mountpath.
      assert.notEqual(await inodeOf(path), inode);
      assert.ok((await readFile(path)).equals(data));
      const quarantined = await findFiles(join(home, '.cairn.quarantine'), '@ais');
      assert.equal(quarantined.filter((file) => file.endsWith('/eio/one')).length, 1);
      assert.equal((await client.headObject(mirrored, 'eio/one')).mirrorCopies, 2);
    } finally {
      eio.remove();
    }
    // One bad file does not make a bad disk: the mountpath passed its check and stays.
    await waitFor('the mountpath check', 10_000, () =>
      Promise.resolve(
        cluster.target.logs.some((line) => line.message.includes('passed its check')),
      ),
    );
    assert.deepEqual((await mountpathState(cluster)).disabled, []);
  });

  test('ENOSPC mid-PUT: 507 InsufficientStorage (native and S3), nothing partial, the older version intact', async () => {
    const older = randomBytes(300_000);
    await client.putObject(plain, 'full', older);
    const space = disk.fillAfter(cluster.target.dir, 100_000);
    const s3 = sdkClient(cluster.gateway.publicUrl);
    try {
      await assert.rejects(
        client.putObject(plain, 'full', randomBytes(2_000_000)),
        apiError(507, 'InsufficientStorage'),
      );
      await assert.rejects(
        s3.send(
          new PutObjectCommand({ Bucket: plain.name, Key: 'full', Body: randomBytes(500_000) }),
        ),
        (error: unknown) =>
          error instanceof Error &&
          error.name === 'InsufficientStorage' &&
          (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 507,
      );
    } finally {
      space.remove();
      s3.destroy();
    }
    assert.ok((await client.getObjectBytes(plain, 'full')).equals(older));
    assert.equal((await client.headObject(plain, 'full')).version, '1');
    assert.deepEqual(await findFiles(cluster.target.dir, '%wk'), [], 'no work file left');
  });

  test('a torn metadata write: the object is reported corrupt and never served', async () => {
    const torn = disk.inject({
      operations: ['setAttribute'],
      path: cluster.target.dir,
      fault: { tornBytes: 16 },
      times: 1,
    });
    await client.putObject(plain, 'torn', randomBytes(20_000));
    assert.equal(torn.fired, 1, 'the record was torn (silently, as a crash would)');
    await assert.rejects(client.getObjectBytes(plain, 'torn'), apiError(500, 'ObjectCorrupted'));
    await assert.rejects(client.headObject(plain, 'torn'), apiError(500, 'ObjectCorrupted'));
    const s3 = sdkClient(cluster.gateway.publicUrl);
    try {
      await assert.rejects(
        s3.send(new GetObjectCommand({ Bucket: plain.name, Key: 'torn' })),
        (error: unknown) => error instanceof Error && error.name === 'InternalError',
      );
    } finally {
      s3.destroy();
    }
  });
});

describe('a mountpath whose disk fails every call', () => {
  let disk: FaultyDisk;
  let cluster: InProcessCluster;
  let client: Client;

  before(async () => {
    disk = new FaultyDisk();
    cluster = await InProcessCluster.start(disk, 3);
    client = cluster.client();
    await client.createBucket(mirrored);
    await client.setBucketProps(mirrored, { mirror: { enabled: true, copies: 2 } });
  });
  after(() => cluster?.destroy());

  test('is disabled automatically, with an alert; its objects are served and restored from copies', async () => {
    const objects = makeObjects('o/', 40, [1_000, 30_000, 1_500_000]);
    await putAll(client, mirrored, objects);
    const [failing, ...others] = cluster.target.mountpaths;
    assert.ok(failing !== undefined);
    disk.inject({ path: failing, fault: { error: 'EIO' } });

    // Every object still reads (from its copy on a good disk), while the target notices.
    await assertAllReadBack(client, mirrored, objects);
    await waitFor('the failing mountpath disabled', 20_000, async () =>
      (await mountpathState(cluster)).disabled.includes(failing),
    );
    const status = await client.nodeStatus(cluster.target.publicUrl);
    const alerts: NodeStatusJson['alerts'] = status.alerts ?? [];
    assert.ok(
      alerts.some((alert) => alert.kind === 'disk-fault' && alert.mountpath === failing),
      'node status carries the alert',
    );
    assert.ok(
      cluster.target.logs.some(
        (line) => line.level === 'error' && line.message.startsWith('mountpath disabled'),
      ),
      'the log carries the alert',
    );

    // The resilver puts two intact replicas of every object on the good disks.
    const healthy = async (): Promise<boolean> => {
      for (const object of objects) {
        let intact = 0;
        for (const mountpath of others) {
          const content = await readFile(objectPath(mountpath, mirrored, object.name)).catch(
            () => undefined,
          );
          if (content?.equals(object.data) === true) intact += 1;
        }
        if (intact !== 2) return false;
      }
      return true;
    };
    await waitFor('two intact replicas of every object on the good mountpaths', 60_000, healthy);
    await assertAllReadBack(client, mirrored, objects);

    // The bucket can still be destroyed: the good mountpaths are emptied, the failed one is left.
    await client.destroyBucket(mirrored);
    await waitFor('the bucket removed from the good mountpaths', 20_000, async () => {
      const left = await Promise.all(others.map((mountpath) => findFiles(mountpath, '%ob')));
      return left.every((files) => files.length === 0);
    });
    assert.ok(
      !cluster.target.logs.some((line) => line.message === 'failed to remove bucket data'),
      'destroying the bucket did not fail on the disabled mountpath',
    );
  });
});
