// The archive job's reads on a real cluster (1 gateway, 3 targets): objects spread over the
// targets come out byte for byte (GNU tar extracts the shard); a missing object fails the job and
// writes no shard unless `coer` skips it; an object corrupted on disk fails the job whatever
// `coer` says (every object is checked as it is read) and the shard already there stays.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, type Client } from '../../src/sdk/index.js';
import { findFiles, flipByte } from '../harness/disk.js';
import { bytesOf } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';

const bucket = { name: 'archived', provider: 'ais' };

describe('archive job reads', () => {
  let cluster: TestCluster;
  let client: Client;
  let dir: string;
  const objects = new Map<string, Buffer>();
  const names = Array.from({ length: 40 }, (_, i) => `obj-${String(i).padStart(2, '0')}`);

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    client = cluster.client(0);
    await client.createBucket(bucket);
    dir = mkdtempSync(join(tmpdir(), 'cairn-archive-reads-'));
    // Small objects (read whole, in memory) and a few larger ones (streamed).
    for (const [i, name] of names.entries()) {
      const data = randomBytes(i % 10 === 9 ? 2 * 1024 * 1024 + i : 4096 + i);
      objects.set(name, data);
      await client.putObject(bucket, name, data);
    }
  });

  after(async () => {
    await cluster?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the job; its error ('' when it succeeded). */
  async function archive(archname: string, objnames: string[], coer: boolean): Promise<string> {
    const id = await client.jobs.archive(bucket, { archname, objnames, ...(coer ? { coer } : {}) });
    return (await client.jobs.wait(id, { timeoutMs: 120_000 })).err;
  }

  /** The shard extracted by GNU tar: its files' names (in archive order) and bytes. */
  async function extracted(archname: string): Promise<Map<string, Buffer>> {
    const shard = await bytesOf((await client.getObject(bucket, archname)).body);
    const out = mkdtempSync(join(dir, 'x-'));
    writeFileSync(join(out, 'shard.tar'), shard);
    const listed = execFileSync('tar', ['-tf', 'shard.tar'], { cwd: out }).toString().split('\n');
    execFileSync('tar', ['-xf', 'shard.tar', '--one-top-level=files'], { cwd: out });
    const files = new Map<string, Buffer>();
    for (const name of listed.filter((line) => line !== ''))
      files.set(name, readFileSync(join(out, 'files', name)));
    return files;
  }

  async function shardExists(archname: string): Promise<boolean> {
    try {
      await client.headObject(bucket, archname);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    }
  }

  test('objects across 3 targets come out byte for byte, in order', async () => {
    assert.equal(await archive('all.tar', names, false), '');
    const files = await extracted('all.tar');
    assert.deepEqual([...files.keys()], names);
    for (const [name, data] of files) assert.ok(data.equals(objects.get(name) ?? Buffer.alloc(0)));
  });

  test('a missing object fails the job (no shard) unless coer skips it', async () => {
    const asked = [...names.slice(0, 5), 'no-such-object', ...names.slice(5, 10)];
    assert.match(await archive('missing.tar', asked, false), /no-such-object|not found/i);
    assert.equal(await shardExists('missing.tar'), false);
    assert.equal(await archive('skipped.tar', asked, true), '');
    const files = await extracted('skipped.tar');
    assert.deepEqual([...files.keys()], names.slice(0, 10));
    for (const [name, data] of files) assert.ok(data.equals(objects.get(name) ?? Buffer.alloc(0)));
  });

  test('an object corrupted on disk fails the job, with or without coer; the shard stays', async () => {
    const before = await bytesOf((await client.getObject(bucket, 'all.tar')).body);
    // Objects not read since they were written: none is in a content cache.
    const rotten = { name: 'rotten', provider: 'ais' };
    await client.createBucket(rotten);
    const small = ['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5'];
    for (const name of small) await client.putObject(rotten, name, randomBytes(4096));
    // r-3 for the job without coer; r-4 for the one with it, which finds r-3 quarantined by then
    // (a miss it skips) and fails on r-4. Each job reads ahead: the first is not given r-4.
    const files = (await findFiles(cluster.dir, '%ob')).filter(
      (path) => path.includes('/@ais/rotten/') && /\/r-[34]$/.test(path),
    );
    assert.equal(files.length, 2);
    for (const file of files) await flipByte(file, 100);
    for (const [coer, rotted, objnames] of [
      [false, 'r-3', small.slice(0, 4)],
      [true, 'r-4', small.slice(3)],
    ] as const) {
      const id = await client.jobs.archive(rotten, {
        archname: 'all.tar',
        objnames: [...objnames],
        tobck: bucket,
        ...(coer ? { coer } : {}),
      });
      const { err } = await client.jobs.wait(id, { timeoutMs: 120_000 });
      assert.match(err, /checksum/i, `coer ${coer}`);
      assert.ok(err.includes(rotted), err);
    }
    const after = await bytesOf((await client.getObject(bucket, 'all.tar')).body);
    assert.ok(after.equals(before), 'the shard already there is unchanged');
  });
});
