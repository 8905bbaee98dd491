// The CLI as a new user meets it, run built against a real cluster: results on stdout, progress
// and notes on stderr; readable bucket props; errors that keep the scheme the user typed; names
// the CLI refuses (with AIStore's wording for buckets, and why for `..` in object names).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';

const run = promisify(execFile);
const bucket = { name: 'user', provider: 'ais' };

interface Outcome {
  stdout: string;
  stderr: string;
  code: number;
}

describe('the CLI as a user expects it', () => {
  let cluster: TestCluster;
  let client: Client;
  let dir = '';
  const cairn = async (...args: string[]): Promise<Outcome> => {
    const argv = [cairnEntry, '--endpoint', cluster.primary.publicUrl, ...args];
    try {
      const { stdout, stderr } = await run(process.execPath, argv, { timeout: 120_000 });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const failed = error as { stdout: string; stderr: string; code: number };
      return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
    }
  };

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 1, targets: 2, mountpaths: 2 },
      bucket,
    ));
    dir = await mkdtemp(join(tmpdir(), 'cairn-cli-user-'));
    await writeFile(join(dir, 'file.txt'), 'hello');
    for (let i = 0; i < 5; i += 1) await client.putObject(bucket, `o-${i}`, `object ${i}`);
  });
  after(async () => {
    await cluster?.destroy();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('storage mirror: the job ID on stdout, what it does and its end on stderr', async () => {
    const mirror = await cairn('storage', 'mirror', 'ais://user', '--copies', '2');
    assert.equal(mirror.code, 0, mirror.stderr);
    const id = mirror.stdout.trim();
    assert.match(mirror.stdout, /^\w+\n$/);
    assert.match(mirror.stderr, new RegExp(`^ais://user: 2 copies, job ${id}\n`));
    assert.match(mirror.stderr, new RegExp(`job ${id} \\(make-n-copies\\) finished: `));
    const started = await cairn('storage', 'mirror', 'ais://user', '--copies', '1', '--no-wait');
    assert.match(started.stdout, /^\w+\n$/);
    await client.jobs.wait(started.stdout.trim(), { timeoutMs: 60_000 });
  });

  test('put and get report on stdout; create and rmb likewise', async () => {
    const put = await cairn('put', join(dir, 'file.txt'), 'ais://user/dir/file.txt');
    assert.deepEqual(put, {
      stdout: `${join(dir, 'file.txt')} => ais://user/dir/file.txt (5B)\n`,
      stderr: '',
      code: 0,
    });
    const get = await cairn('get', 'ais://user/dir/file.txt', '-');
    assert.deepEqual(get, { stdout: 'hello', stderr: '', code: 0 });
    assert.deepEqual(await cairn('create', 'ais://other'), {
      stdout: 'created ais://other\n',
      stderr: '',
      code: 0,
    });
    assert.equal((await cairn('rmb', 'ais://other')).stdout, 'destroyed ais://other\n');
  });

  test('bucket props show: permission names and dates; --json raw', async () => {
    const show = await cairn('bucket', 'props', 'show', 'ais://user');
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^access = su \(all\)$/m);
    assert.match(show.stdout, /^created = \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
    const json = JSON.parse(
      (await cairn('bucket', 'props', 'show', 'ais://user', '--json')).stdout,
    ) as { access: string; created: string };
    assert.equal(json.access, '4194303');
    assert.match(json.created, /^\d{19}$/);
    assert.equal((await cairn('bucket', 'props', 'set', 'ais://user', 'access=rw')).code, 0);
    const readWrite = await cairn('bucket', 'props', 'show', 'ais://user');
    assert.match(readWrite.stdout, /^access = rw: GET,HEAD-OBJECT,PUT,APPEND,DELETE-OBJECT,/m);
    assert.equal((await cairn('bucket', 'props', 'set', 'ais://user', 'access=su')).code, 0);
  });

  test('errors keep the scheme the user typed', async () => {
    for (const scheme of ['s3', 'gs']) {
      const listed = await cairn('ls', `${scheme}://b`);
      assert.equal(listed.code, 1);
      assert.match(listed.stderr, new RegExp(`^Error: .*${scheme}://`));
      assert.doesNotMatch(listed.stderr, /aws:\/\/|gcp:\/\//);
    }
    const canonical = await cairn('ls', 'aws://b');
    assert.match(canonical.stderr, /aws:\/\//);
  });

  test('object names with .. are refused by the CLI, saying why; nothing is sent', async () => {
    const put = await cairn('put', join(dir, 'file.txt'), 'ais://user/../../etc/passwd');
    assert.equal(put.code, 2);
    assert.equal(put.stdout, '');
    assert.equal(
      put.stderr,
      'Error: invalid object name "../../etc/passwd" in "ais://user/../../etc/passwd": ".." path segments are not allowed (a URL would resolve them away and address another object)\n',
    );
    const get = await cairn('get', 'ais://user/dir/../o-1', '-');
    assert.equal(get.code, 2);
    assert.match(get.stderr, /"\.\." path segments are not allowed/);
    assert.equal((await cairn('ls', 'ais://user', '--json')).stdout.includes('passwd'), false);
  });

  test("bad bucket names are refused with AIStore's wording", async () => {
    const created = await cairn('create', 'ais://bad$name');
    assert.equal(created.code, 2);
    assert.equal(
      created.stderr,
      'Error: invalid bucket in "ais://bad$name": bucket name is invalid: may only contain letters, numbers, dashes (-), underscores (_), and dots (.)\n',
    );
  });
});
