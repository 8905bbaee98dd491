// Crashes and restarts: SIGKILL a target in the middle of a large PUT (no partial object, earlier
// objects intact, work files gone); restarted nodes keep their IDs and the map version only grows;
// a flipped byte on disk fails the GET instead of returning bad bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { findFiles, flipByte } from '../harness/disk.js';
import { waitFor } from '../harness/wait.js';

const bucket = { name: 'crash', provider: 'ais' };

async function mapVersion(url: string): Promise<number> {
  const response = await fetch(`${url}/v1/daemon?what=smap`);
  return Number(((await response.json()) as { version: string }).version);
}

describe('crash and restart', () => {
  let cluster: TestCluster;
  let client: Client;

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 2, targets: 3, mountpaths: 2 },
      bucket,
    ));
  });
  after(() => cluster?.destroy());

  test('SIGKILL during a large PUT: no partial object, earlier objects intact, work files gone', async () => {
    const earlier = Array.from({ length: 30 }, (_, i) => ({
      name: `before-${i}`,
      data: randomBytes(1000 + i),
    }));
    await Promise.all(earlier.map(({ name, data }) => client.putObject(bucket, name, data)));
    const probe = await fetch(`${cluster.primary.publicUrl}/v1/objects/crash/big-upload`, {
      method: 'PUT',
      redirect: 'manual',
    });
    const location = new URL(String(probe.headers.get('location')));
    const victim = cluster.targets.find((target) => target.publicUrl === location.origin);
    assert.ok(victim !== undefined);
    const total = 256 * 1024 * 1024;
    const upload = new Promise<void>((resolve) => {
      const req = request({
        host: location.hostname,
        port: location.port,
        method: 'PUT',
        path: `${location.pathname}${location.search}`,
        headers: { 'content-length': String(total) },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      const chunk = randomBytes(1024 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    await waitFor('work file to grow', 20_000, async () => {
      const work = await findFiles(victim.spec.dir, '%wk');
      return work.length > 0;
    });
    await victim.stop('SIGKILL');
    await upload;
    assert.ok(
      (await findFiles(victim.spec.dir, '%wk')).length > 0,
      'the crash left a work file behind',
    );
    await victim.start();
    assert.deepEqual(await findFiles(victim.spec.dir, '%wk'), []);
    await assert.rejects(client.headObject(bucket, 'big-upload'), /does not exist/);
    for (const { name, data } of earlier)
      assert.deepEqual(await client.getObjectBytes(bucket, name), data);
  });

  test('restarted gateway and target keep their IDs; the map version only grows', async () => {
    const target = cluster.targets[1];
    const gateway = cluster.proxies[1];
    assert.ok(target !== undefined && gateway !== undefined);
    const before = await mapVersion(cluster.primary.publicUrl);
    const targetId = target.id;
    const gatewayId = gateway.id;
    await target.restart();
    await gateway.restart();
    assert.equal(target.id, targetId);
    assert.equal(gateway.id, gatewayId);
    const primaryId = cluster.primary.id;
    await cluster.primary.restart();
    assert.equal(cluster.primary.id, primaryId);
    await cluster.waitForMembers();
    const versions = await Promise.all(cluster.nodes.map((node) => mapVersion(node.publicUrl)));
    for (const version of versions)
      assert.ok(version > before, `version ${version} after restarts, ${before} before`);
    await client.putObject(bucket, 'after-restarts', 'still works');
    assert.equal(
      (await cluster.client(1).getObjectBytes(bucket, 'after-restarts')).toString(),
      'still works',
    );
  });

  test('a flipped byte on disk fails the GET (small and large objects) instead of returning bad bytes', async () => {
    const small = randomBytes(4096);
    const large = randomBytes(5 * 1024 * 1024);
    await client.putObject(bucket, 'rot/small', small);
    await client.putObject(bucket, 'rot/large', large);
    const files = await findFiles(cluster.dir, '%ob');
    const smallFile = files.find((path) => path.endsWith('/%ob/rot/small'));
    const largeFile = files.find((path) => path.endsWith('/%ob/rot/large'));
    assert.ok(smallFile !== undefined && largeFile !== undefined);
    await flipByte(smallFile, 100);
    await flipByte(largeFile, large.length - 1);
    await assert.rejects(client.getObjectBytes(bucket, 'rot/small'), /BAD DATA CHECKSUM/);
    await assert.rejects(client.getObjectBytes(bucket, 'rot/large'));
    const quarantined = await findFiles(cluster.dir, '.cairn.quarantine');
    assert.equal(quarantined.length, 2);
  });
});
