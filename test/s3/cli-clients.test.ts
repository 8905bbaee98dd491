// Debian's s3cmd, rclone and aws cli against a real cluster, configured through temporary files:
// make a bucket, sync a tree of a few hundred files of mixed sizes up and back down and compare
// byte for byte, list, upload a 100 MiB file in parts and read it back, delete everything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { TestCluster } from '../harness/test-cluster.js';
import { writeClientConfigs } from '../harness/s3-setup.js';

const run = promisify(execFile);
const mib = 1024 * 1024;
/** Debian's aws cli (another `aws` earlier on PATH may be a different major version). */
const awsProgram = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const commandTimeoutMs = 240_000;

/** Writes a deterministic tree: many small files, some of a few MiB, in nested directories. */
async function makeTree(root: string): Promise<void> {
  for (let index = 0; index < 300; index += 1) {
    const dir = join(root, `d${index % 7}`, index % 3 === 0 ? `sub${index % 5}` : '');
    await mkdir(dir, { recursive: true });
    const size =
      index % 50 === 0
        ? 3 * mib + index
        : index % 10 === 0
          ? 200_000 + index
          : (index * 997) % 20_000;
    await writeFile(join(dir, `file-${index}.bin`), randomBytes(size));
  }
}

/** Relative path → SHA-256 of every file below `root`. */
async function digestTree(root: string): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else
        digests.set(
          relative(root, path),
          createHash('sha256')
            .update(await readFile(path))
            .digest('hex'),
        );
    }
  };
  await walk(root);
  return digests;
}

async function fileDigest(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

// The three clients use their own buckets and download paths, so they run side by side: the
// file takes as long as the slowest client rather than all three in a row.
describe('command-line S3 clients', { concurrency: true }, () => {
  let cluster: TestCluster;
  let work: string;
  let tree: string;
  let big: string;
  let expected: Map<string, string>;
  let configs: Awaited<ReturnType<typeof writeClientConfigs>>;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 2 });
    work = join(cluster.dir, 'clients');
    tree = join(work, 'tree');
    await mkdir(tree, { recursive: true });
    await makeTree(tree);
    expected = await digestTree(tree);
    big = join(work, 'big.bin');
    await writeFile(big, randomBytes(100 * mib));
    configs = await writeClientConfigs(work, cluster.primary.publicUrl);
  });
  after(() => cluster?.destroy());

  test('s3cmd: mb, sync up and down, ls, multipart put and get, del, rb', async () => {
    const s3cmd = (...args: string[]) =>
      run('s3cmd', [...configs.s3cmd, ...args], {
        timeout: commandTimeoutMs,
        maxBuffer: 64 * mib,
        env: { PATH: process.env.PATH, HOME: work },
      });
    await s3cmd('mb', 's3://s3cmd-bucket');
    await s3cmd('sync', '--no-progress', `${tree}/`, 's3://s3cmd-bucket/tree/');
    const down = join(work, 's3cmd-down');
    await mkdir(down);
    await s3cmd('sync', '--no-progress', 's3://s3cmd-bucket/tree/', `${down}/`);
    assert.deepEqual(await digestTree(down), expected);
    const listing = await s3cmd('ls', '--recursive', 's3://s3cmd-bucket/tree/');
    assert.equal(listing.stdout.trim().split('\n').length, expected.size);
    await s3cmd('put', '--no-progress', big, 's3://s3cmd-bucket/big.bin');
    const info = await s3cmd('info', 's3://s3cmd-bucket/big.bin');
    assert.match(info.stdout, /File size:\s+104857600/);
    const back = join(work, 's3cmd-big.bin');
    await s3cmd('get', '--no-progress', 's3://s3cmd-bucket/big.bin', back);
    assert.equal(await fileDigest(back), await fileDigest(big));
    await s3cmd('del', '--recursive', '--force', 's3://s3cmd-bucket/');
    await s3cmd('rb', 's3://s3cmd-bucket');
    const buckets = await s3cmd('ls');
    assert.doesNotMatch(buckets.stdout, /s3cmd-bucket/);
  });

  test('rclone: mkdir, sync up and down, check, multipart copy, delete, rmdir', async () => {
    // A clean environment: an inherited AWS_CA_BUNDLE would make rclone's S3 client fail on http.
    const rclone = (...args: string[]) =>
      run('rclone', [...configs.rclone, ...args], {
        timeout: commandTimeoutMs,
        maxBuffer: 64 * mib,
        env: { PATH: process.env.PATH, HOME: work },
      });
    await rclone('mkdir', 'cairn:rclone-bucket');
    await rclone('sync', tree, 'cairn:rclone-bucket/tree');
    await rclone('check', tree, 'cairn:rclone-bucket/tree');
    const down = join(work, 'rclone-down');
    await rclone('sync', 'cairn:rclone-bucket/tree', down);
    assert.deepEqual(await digestTree(down), expected);
    const listing = await rclone('lsf', '-R', '--files-only', 'cairn:rclone-bucket/tree');
    assert.equal(listing.stdout.trim().split('\n').length, expected.size);
    await rclone(
      'copyto',
      '--s3-upload-cutoff',
      '16M',
      '--s3-chunk-size',
      '16M',
      big,
      'cairn:rclone-bucket/big.bin',
    );
    const back = join(work, 'rclone-big.bin');
    await rclone('copyto', 'cairn:rclone-bucket/big.bin', back);
    assert.equal(await fileDigest(back), await fileDigest(big));
    await rclone('purge', 'cairn:rclone-bucket');
    const buckets = await rclone('lsd', 'cairn:');
    assert.doesNotMatch(buckets.stdout, /rclone-bucket/);
  });

  test('aws cli: mb, sync up and down, ls, multipart cp, rm, rb', async () => {
    const aws = (...args: string[]) =>
      run(awsProgram, ['--endpoint-url', cluster.primary.publicUrl, ...args], {
        timeout: commandTimeoutMs,
        maxBuffer: 64 * mib,
        env: configs.awsEnv,
      });
    await aws('s3', 'mb', 's3://aws-bucket');
    await aws('s3', 'sync', '--only-show-errors', tree, 's3://aws-bucket/tree');
    const down = join(work, 'aws-down');
    await aws('s3', 'sync', '--only-show-errors', 's3://aws-bucket/tree', down);
    assert.deepEqual(await digestTree(down), expected);
    const listing = await aws('s3', 'ls', '--recursive', 's3://aws-bucket/tree/');
    assert.equal(listing.stdout.trim().split('\n').length, expected.size);
    await aws('s3', 'cp', '--only-show-errors', big, 's3://aws-bucket/big.bin');
    const head = JSON.parse(
      (await aws('s3api', 'head-object', '--bucket', 'aws-bucket', '--key', 'big.bin')).stdout,
    ) as {
      ContentLength: number;
      ETag: string;
    };
    assert.equal(head.ContentLength, 100 * mib);
    assert.match(head.ETag, /-\d+"$/);
    const back = join(work, 'aws-big.bin');
    await aws('s3', 'cp', '--only-show-errors', 's3://aws-bucket/big.bin', back);
    assert.equal(await fileDigest(back), await fileDigest(big));
    await aws('s3', 'rm', '--only-show-errors', '--recursive', 's3://aws-bucket/');
    await aws('s3', 'rb', 's3://aws-bucket');
    const buckets = await aws('s3', 'ls');
    assert.doesNotMatch(buckets.stdout, /aws-bucket/);
  });
});
