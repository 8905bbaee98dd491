// The elastic-cluster CLI against a real playground: `playground add-target|add-proxy` (recorded,
// rebalance job printed and waited for), `cluster maintenance start|stop`, `storage mountpath
// detach|attach` and `cluster decommission`, each with --wait. Objects stay readable throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '../../src/sdk/index.js';
import { verifyObjects } from '../harness/load.js';
import { cairnEntry } from '../harness/node-process.js';
import { freeBasePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const bucket = { name: 'cli', provider: 'ais' };

describe('elastic cluster CLI on a playground', () => {
  let dir = '';
  let endpoint = '';
  let client: Client;
  const objects = new Map<string, Buffer>();
  const cairn = async (...args: string[]): Promise<string> =>
    (
      await run(process.execPath, [cairnEntry, '--endpoint', endpoint, ...args], {
        timeout: 120_000,
      })
    ).stdout;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
    const port = await freeBasePort();
    endpoint = `http://127.0.0.1:${port}`;
    await cairn('playground', 'start', '--dir', dir, '--port', String(port), '--targets', '2');
    client = new Client(endpoint);
    await client.createBucket(bucket);
    await Promise.all(
      Array.from({ length: 150 }, async (_, i) => {
        const data = Buffer.from(`object ${i} `.repeat(i + 1));
        await client.putObject(bucket, `o-${i}`, data);
        objects.set(`o-${i}`, data);
      }),
    );
  });
  after(async () => {
    await client?.close();
    if (dir !== '') {
      await run(process.execPath, [cairnEntry, 'playground', 'stop', '--dir', dir, '--wipe']).catch(
        () => undefined,
      );
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('add-target waits for its rebalance; add-proxy joins; both are recorded', async () => {
    const added = JSON.parse(
      await cairn('playground', 'add-target', '--dir', dir, '--wait', '--json'),
    ) as { name: string; id: string; rebalance: string };
    assert.equal(added.name, 'target-2');
    assert.match(added.rebalance, /^g\d+$/);
    const status = await client.jobs.status(added.rebalance);
    assert.ok(status.end_time > 0 && status.err === '', 'the rebalance finished');
    assert.match(
      await cairn('playground', 'add-proxy', '--dir', dir),
      /^added proxy proxy-1 p\w+ /,
    );
    const recorded = JSON.parse(await readFile(join(dir, 'playground.json'), 'utf8')) as {
      nodes: Array<{ name: string }>;
    };
    assert.deepEqual(
      recorded.nodes.map((node) => node.name),
      ['proxy-0', 'target-0', 'target-1', 'target-2', 'proxy-1'],
    );
    const map = await client.clusterMap({ refresh: true });
    assert.equal(Object.keys(map.tmap).length, 3);
    assert.equal(Object.keys(map.pmap).length, 2);
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
  });

  test('maintenance, mountpath detach and attach, decommission, each with --wait', async () => {
    const map = await client.clusterMap({ refresh: true });
    const [first, second] = Object.keys(map.tmap).sort();
    assert.ok(first !== undefined && second !== undefined);
    assert.match(await cairn('cluster', 'maintenance', 'start', first, '--wait'), /^g\d+\n$/);
    assert.match(await cairn('cluster', 'maintenance', 'stop', first, '--wait'), /^g\d+\n$/);
    const mountpath = join(dir, 'target-0', 'mp-1');
    const targetZero = (await readFile(join(dir, 'target-0', 'node-id'), 'utf8')).trim();
    assert.match(
      await cairn('storage', 'mountpath', 'detach', targetZero, mountpath, '--wait'),
      /^\w+\n$/,
    );
    assert.match(
      await cairn('storage', 'mountpath', 'attach', targetZero, mountpath, '--wait'),
      /^\w+\n$/,
    );
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
    const leaving = second === targetZero ? first : second;
    assert.match(await cairn('cluster', 'decommission', leaving, '--wait'), /^g\d+\n$/);
    await waitFor('the decommissioned target to leave the map', 20_000, async () => {
      const current = await client.clusterMap({ refresh: true });
      return current.tmap[leaving] === undefined;
    });
    assert.deepEqual(await verifyObjects(client, bucket, objects), []);
  });
});
