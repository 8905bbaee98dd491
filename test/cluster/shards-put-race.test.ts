// Plain PUTs of a shard racing with appends to it (1 gateway, 2 targets). An append reads the
// shard and commits the shard plus its file; a plain PUT that commits in between must not be
// overwritten by the older shard's bytes: the append is refused (409) instead. Checked for a
// `.tgz` (rewritten) and a GNU `.tar` (appended in place): in each round a PUT lands while
// appends to the shard run; once all settled, the shard holds that PUT's file followed only by
// acknowledged appends. The shard's index (ArchDir) lists what GNU tar does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListFlag, type Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';

const bucket = { name: 'put-race', provider: 'ais' };
const rounds = 8;
const appendsPerRound = 4;

describe('shards: plain PUTs racing with appends', () => {
  let cluster: TestCluster;
  let client: Client;
  let dir: string;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 1 });
    client = cluster.client(0);
    await client.createBucket(bucket);
    dir = mkdtempSync(join(tmpdir(), 'cairn-shards-put-race-'));
  });
  after(async () => {
    await cluster?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** A GNU tar (gzipped for `.tgz`) holding one file, `put-<j>.txt`. */
  function shardOf(ext: string, j: number): Buffer {
    const root = join(dir, `${ext}-${j}`);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, `put-${j}.txt`), `put ${j}`);
    const file = join(dir, `put-${j}${ext}`);
    execFileSync('tar', [ext === '.tgz' ? '-czf' : '-cf', file, '-C', root, `put-${j}.txt`]);
    return readFileSync(file);
  }

  for (const ext of ['.tgz', '.tar']) {
    test(`no acknowledged PUT of a ${ext} is lost to an append`, async () => {
      const shard = `race${ext}`;
      const bodies = Array.from({ length: rounds + 1 }, (_, j) => shardOf(ext, j));
      await client.putObject(bucket, shard, bodies[0]!);
      const listingOf = async (): Promise<string[]> => {
        const file = join(dir, `got-${shard}`);
        writeFileSync(file, await client.getObjectBytes(bucket, shard));
        const listing = execFileSync('tar', ['-tf', file]).toString().trim().split('\n');
        // The shard's index describes these bytes (ArchDir lists a tar's files from it).
        const listed = await client.listObjectsPage(bucket, {
          flags: String(ListFlag.archDir),
          prefix: `${shard}/`,
        });
        assert.deepEqual(
          listed.entries.map((entry) => entry.name).sort(),
          listing.map((name) => `${shard}/${name}`).sort(),
        );
        return listing;
      };
      for (let j = 1; j <= rounds; j += 1) {
        // Appends queued on the shard's target, the PUT landing while they run.
        const names = Array.from({ length: appendsPerRound }, (_, k) => `r${j}/${k}.txt`);
        const appending = Promise.allSettled(
          names.map((name) => client.putIntoShard(bucket, shard, name, name, { mode: 'append' })),
        );
        await sleep((j * 7) % 40);
        await client.putObject(bucket, shard, bodies[j]!);
        const settled = await appending;
        const acked = new Set(names.filter((_, k) => settled[k]?.status === 'fulfilled'));
        for (const result of settled)
          if (result.status === 'rejected')
            assert.equal((result.reason as { status?: number }).status, 409, String(result.reason));
        // Every append that committed after the PUT extended the PUT's shard.
        const listing = await listingOf();
        assert.equal(listing[0], `put-${j}.txt`, `round ${j}, PUT ${j} kept: ${listing.join()}`);
        for (const name of listing.slice(1)) assert.ok(acked.has(name), `${name} acknowledged`);
      }
      await client.putIntoShard(bucket, shard, 'last.txt', 'last', { mode: 'append' });
      const listing = await listingOf();
      assert.equal(listing[0], `put-${rounds}.txt`);
      assert.equal(listing.at(-1), 'last.txt');
    });
  }
});
