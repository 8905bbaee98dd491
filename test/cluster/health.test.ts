// Health tells the truth: `/v1/health` is readiness (a gateway without storage targets, a target
// whose every mountpath is gone, answer 503 with the reason), `?live=true` is liveness.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

async function health(url: string, query = ''): Promise<{ status: number; reason?: string }> {
  const response = await fetch(`${url}/v1/health${query}`);
  const text = await response.text();
  if (text === '') return { status: response.status };
  const body = JSON.parse(text) as { reason?: string };
  return { status: response.status, ...(body.reason === undefined ? {} : { reason: body.reason }) };
}

describe('health', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 0, mountpaths: 2 });
  });
  after(() => cluster?.destroy());

  test('a gateway without storage targets is alive but not ready', async () => {
    const gateway = cluster.primary.publicUrl;
    assert.deepEqual(await health(gateway), {
      status: 503,
      reason: 'no storage targets in the cluster',
    });
    assert.deepEqual(await health(gateway, '?live=true'), { status: 200 });
    const head = await fetch(`${gateway}/v1/health`, { method: 'HEAD' });
    assert.equal(head.status, 503);
    assert.match(head.headers.get('hdr-error') ?? '', /no storage targets/);
  });

  test('once a target joined, gateway and target are ready', async () => {
    const target = await cluster.addTarget();
    for (const url of [cluster.primary.publicUrl, target.publicUrl]) {
      await waitFor(`${url} to be ready`, 30_000, async () => (await health(url)).status === 200);
    }
  });

  test('a target whose mountpaths are all gone says so; it stays alive', async () => {
    const target = cluster.targets[0];
    assert.ok(target !== undefined);
    const [first, second] = target.spec.mountpaths;
    assert.ok(first !== undefined && second !== undefined);
    await rm(first, { recursive: true, force: true });
    assert.deepEqual(await health(target.publicUrl), { status: 200 }, 'one mountpath is enough');
    await rm(second, { recursive: true, force: true });
    const answer = await health(target.publicUrl);
    assert.equal(answer.status, 503);
    assert.match(answer.reason ?? '', /no usable mountpath/);
    assert.deepEqual(await health(target.publicUrl, '?live=true'), { status: 200 });
  });
});
