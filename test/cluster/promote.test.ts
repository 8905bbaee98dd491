// Promote on a real cluster (3 targets sharing one machine, so the source is a file share they all
// see): a 500-file tree becomes objects, each file once and byte for byte, as a job; 16 files or
// fewer are promoted before the answer; `notshr` has every target promote what it sees; `ovw`,
// `dls`; sources outside the promote root or missing are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { rawRequest } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';

const run = promisify(execFile);
const bucket = { name: 'promoted', provider: 'ais' };
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function names(client: Client, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of client.listObjects(bucket, { prefix })) found.push(entry.name);
  return found.sort();
}

describe('promote', () => {
  let root: string;
  let cluster: TestCluster;
  let client: Client;
  const digests = new Map<string, string>();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-promote-'));
    for (let d = 0; d < 10; d += 1) {
      await mkdir(join(root, 'tree', `d${d}`, 'deep'), { recursive: true });
      for (let f = 0; f < 50; f += 1) {
        const relative = f < 45 ? `d${d}/f${f}.bin` : `d${d}/deep/f${f}.bin`;
        // Mostly small files (each read whole in one job), a few at and past the 64 KiB of such
        // a read (the past ones streamed).
        const size =
          f === 49 ? 200_000 + d : f === 48 ? 64 * 1024 : 100 + ((d * 50 + f) % 13) * 700;
        const data = randomBytes(size);
        digests.set(relative, sha(data));
        await writeFile(join(root, 'tree', relative), data);
      }
    }
    await mkdir(join(root, 'few'));
    for (let i = 0; i < 5; i += 1) await writeFile(join(root, 'few', `n${i}`), `first ${i}`);
    ({ cluster } = {
      cluster: await TestCluster.start({
        proxies: 1,
        targets: 3,
        mountpaths: 1,
        nodeArgs: ['--promote-root', root],
      }),
    });
    client = cluster.client();
    await client.createBucket(bucket);
  });
  after(async () => {
    await cluster?.destroy();
    await rm(root, { recursive: true, force: true });
  });

  test('a 500-file tree on a share every target sees: a job, each file promoted once', async () => {
    const id = await client.promote(bucket, join(root, 'tree'), { obj: 'p/', rcr: true });
    assert.match(id, /^\w{8,}$/);
    const status = await client.jobs.wait(id, { timeoutMs: 600_000 });
    assert.equal(status.kind, 'promote');
    assert.equal(status.err, '');
    const promoted = await names(client, 'p/');
    assert.deepEqual(promoted, [...digests.keys()].map((name) => `p/${name}`).sort());
    for (let i = 0; i < promoted.length; i += 50) {
      await Promise.all(
        promoted.slice(i, i + 50).map(async (name) => {
          const bytes = await client.getObjectBytes(bucket, name);
          assert.equal(sha(bytes), digests.get(name.slice(2)), name);
        }),
      );
    }
    const snapshots = Object.values(await client.jobs.snapshots({ id })).flat();
    const total = snapshots.reduce((sum, snap) => sum + Number(snap.stats['loc-objs']), 0);
    assert.equal(total, 500);
    // Shared: every target promoted only what it owns, so nothing crossed the wire.
    assert.equal(
      snapshots.reduce((sum, snap) => sum + Number(snap.stats['out-objs']), 0),
      0,
    );
    // Without `rcr` only the directory's own files.
    const flat = await client.promote(bucket, join(root, 'tree', 'd3'), { obj: 'flat/' });
    assert.equal((await client.jobs.wait(flat)).err, '');
    assert.equal((await names(client, 'flat/')).length, 45);
  });

  test('16 files or fewer: promoted before the answer (empty body); notshr, ovw and dls', async () => {
    const single = await client.promote(bucket, join(root, 'few', 'n1'), { obj: 'one' });
    assert.equal(single, '');
    assert.equal((await client.getObjectBytes(bucket, 'one')).toString(), 'first 1');

    const local = await client.promote(bucket, join(root, 'few'), { obj: 'few/', notshr: true });
    assert.equal(local, '');
    assert.deepEqual(await names(client, 'few/'), [
      'few/n0',
      'few/n1',
      'few/n2',
      'few/n3',
      'few/n4',
    ]);

    for (let i = 0; i < 5; i += 1) await writeFile(join(root, 'few', `n${i}`), `second ${i}`);
    // Without `ovw` the objects are kept, and so are their files (`dls` deletes promoted ones).
    await client.promote(bucket, join(root, 'few'), { obj: 'few/', dls: true });
    assert.equal((await client.getObjectBytes(bucket, 'few/n2')).toString(), 'first 2');
    assert.equal((await readdir(join(root, 'few'))).length, 5);
    await client.promote(bucket, join(root, 'few'), { obj: 'few/', ovw: true, dls: true });
    assert.equal((await client.getObjectBytes(bucket, 'few/n2')).toString(), 'second 2');
    assert.deepEqual(await readdir(join(root, 'few')), []);
  });

  test('refused: outside the promote root, missing source, a target', async () => {
    const post = (base: string, name: string): Promise<{ status: number; body: string }> =>
      rawRequest(base, 'POST', '/v1/objects/promoted', {
        body: JSON.stringify({ action: 'promote', name, value: { rcr: true } }),
      });
    const outside = await post(cluster.primary.publicUrl, '/etc');
    assert.equal(outside.status, 400);
    assert.match(outside.body, /must be .* or below it/);
    const missing = await post(cluster.primary.publicUrl, join(root, 'nothing-here'));
    assert.equal(missing.status, 400);
    assert.match(missing.body, /cannot read/);
    const atTarget = await post(cluster.targets[0]?.publicUrl ?? '', join(root, 'tree'));
    assert.equal(atTarget.status, 400);
    assert.match(atTarget.body, /send it to a gateway/);
  });

  test('CLI: promote waits for the job', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    await run(
      process.execPath,
      [cairnEntry, 'promote', join(root, 'tree', 'd7'), 'ais://promoted/cli/', '--recursive'],
      { env },
    );
    assert.equal((await names(client, 'cli/')).length, 50);
  });
});
