// The shard commands of the CLI run as a user runs them (the built `cairn`, a real cluster of one
// gateway and 2 targets): `get --archpath/--archregx`, `archive put` (create, append, append or
// create; a directory packed in every format), `archive bucket` (the archive job, waited for), `batch` (GetBatch into a file or
// stdout, in tar and zip). Output bytes are compared with what went in, and read back with the
// Debian tools; failures exit 1 (or 2 when called wrongly) with one clear line on stderr.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Client } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { makeShard, sampleFiles, untar } from '../harness/shard-files.js';
import { TestCluster } from '../harness/test-cluster.js';

const bucket = { name: 'clishards', provider: 'ais' };

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs the built `cairn` with `args`; resolves with its exit code and outputs (never rejects). */
function cairn(endpoint: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cairnEntry, '--endpoint', endpoint, ...args],
      { encoding: 'buffer', timeout: 120_000, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr: stderr.toString() });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

describe('CLI: shards and GetBatch', () => {
  let cluster: TestCluster;
  let client: Client;
  let endpoint = '';
  let dir = '';

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 1, targets: 2, mountpaths: 1 },
      bucket,
    ));
    endpoint = cluster.primary.publicUrl;
    dir = mkdtempSync(join(tmpdir(), 'cairn-cli-shards-'));
    await client.putObject(bucket, 'gnu.tar', readFileSync(makeShard(dir, '.tar')));
    await client.putObject(bucket, 'gnu.zip', readFileSync(makeShard(dir, '.zip')));
    for (let index = 0; index < 5; index += 1) {
      await client.putObject(bucket, `obj-${index}`, Buffer.from(`object ${index}\n`));
    }
  });
  /** Shard `name` of the bucket got with `cairn get` into `file` (in the temp dir), listed by GNU tar. */
  const fetchedShard = async (
    name: string,
    file: string,
  ): Promise<{ path: string; names: string[] }> => {
    const path = join(dir, file);
    const got = await cairn(endpoint, ['get', `ais://clishards/${name}`, path]);
    assert.equal(got.code, 0, got.stderr.toString());
    const names = execFileSync('tar', ['-tf', path]).toString().split('\n').filter(Boolean);
    return { path, names };
  };
  /** `cairn batch ARGS` writing to stdout (the list from `input` when ARGS has `-`): its entries. */
  const batchEntries = async (args: string[], input?: string): Promise<string[][]> => {
    const run = await cairn(endpoint, ['batch', ...args, '-'], input);
    assert.equal(run.code, 0, run.stderr.toString());
    const files = await untar(Readable.from([run.stdout]));
    return files.map((file) => [file.name, file.data.toString()]);
  };
  /** The first column of a listing command's rows (the names), its header left out. */
  const listedNames = async (args: string[]): Promise<string[]> => {
    const run = await cairn(endpoint, args);
    assert.equal(run.code, 0, run.stderr.toString());
    const rows = run.stdout.toString().split('\n').slice(1).filter(Boolean);
    return rows.map((line) => line.split(/\s+/)[0] ?? '');
  };
  after(async () => {
    await cluster?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('get --archpath writes one archived file, to a file or to stdout', async () => {
    const out = join(dir, 'one.jpg');
    const toFile = await cairn(endpoint, [
      'get',
      'ais://clishards/gnu.tar',
      out,
      '--archpath',
      'a/000.jpg',
    ]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.deepEqual(readFileSync(out), sampleFiles['a/000.jpg']);
    assert.match(
      toFile.stdout.toString(),
      /^ais:\/\/clishards\/gnu\.tar\/a\/000\.jpg => .*one\.jpg \(/,
    );
    const toStdout = await cairn(endpoint, [
      'get',
      'ais://clishards/gnu.zip',
      '-',
      '--archpath',
      'a/001.jpg',
    ]);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.deepEqual(toStdout.stdout, sampleFiles['a/001.jpg']);
  });

  test('ls --archive lists the files inside shards after each shard', async () => {
    const names = await listedNames(['ls', 'ais://clishards/gnu.tar', '--archive']);
    const inside = Object.keys(sampleFiles).map((name) => `gnu.tar/${name}`);
    assert.deepEqual(names.sort(), ['gnu.tar', ...inside].sort());
    const plain = await cairn(endpoint, ['ls', 'ais://clishards/gnu.tar']);
    assert.match(plain.stdout.toString(), /^NAME +SIZE\ngnu\.tar +/);
    assert.equal(plain.stdout.toString().split('\n').filter(Boolean).length, 2);
  });

  test('get --archregx --archmode writes a TAR of the matches', async () => {
    const run = await cairn(endpoint, [
      'get',
      'ais://clishards/gnu.zip',
      '-',
      '--archregx',
      'a/000',
      '--archmode',
      'wdskey',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const files = await untar(Readable.from([run.stdout]));
    assert.deepEqual(files.map((file) => file.name).sort(), ['a/000.cls', 'a/000.jpg']);
    for (const file of files) assert.deepEqual(file.data, sampleFiles[file.name]);
  });

  test('get --archpath of a missing file fails with one line and leaves no file', async () => {
    const out = join(dir, 'missing.out');
    const run = await cairn(endpoint, [
      'get',
      'ais://clishards/gnu.tar',
      out,
      '--archpath',
      'nope.txt',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Error: .*nope\.txt.*\n$/);
    assert.equal(run.stdout.length, 0);
    assert.equal(existsSync(out), false);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.includes('cairn-partial')),
      [],
    );
  });

  test('get with --archpath and --archregx together is a usage error', async () => {
    const run = await cairn(endpoint, [
      'get',
      'ais://clishards/gnu.tar',
      '-',
      '--archpath',
      'a/000.jpg',
      '--archregx',
      'a',
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Error: --archpath reads one file: it does not go with --archregx/);
  });

  test('archive put creates, appends, and appends or creates', async () => {
    const first = join(dir, 'first.txt');
    const second = join(dir, 'second.bin');
    writeFileSync(first, 'first file\n');
    writeFileSync(second, Buffer.alloc(3000, 9));
    const create = await cairn(endpoint, ['archive', 'put', first, 'ais://clishards/made.tar']);
    assert.equal(create.code, 0, create.stderr);
    assert.match(
      create.stdout.toString(),
      /first\.txt => ais:\/\/clishards\/made\.tar\/first\.txt \(/,
    );
    const append = await cairn(endpoint, [
      'archive',
      'put',
      second,
      'ais://clishards/made.tar',
      '--archpath',
      'dir/second.bin',
      '--append',
    ]);
    assert.equal(append.code, 0, append.stderr);
    const orCreate = await cairn(endpoint, [
      'archive',
      'put',
      first,
      'ais://clishards/new.tar',
      '--append-or-create',
    ]);
    assert.equal(orCreate.code, 0, orCreate.stderr);

    const made = await fetchedShard('made.tar', 'made.tar');
    assert.deepEqual(made.names, ['first.txt', 'dir/second.bin']);
    assert.deepEqual(
      execFileSync('tar', ['-xOf', made.path, 'dir/second.bin']),
      Buffer.alloc(3000, 9),
    );
    const fresh = await cairn(endpoint, [
      'get',
      'ais://clishards/new.tar',
      '-',
      '--archpath',
      'first.txt',
    ]);
    assert.equal(fresh.stdout.toString(), 'first file\n');
  });

  test('archive put of a directory packs every file under it, in every format', async () => {
    const root = join(dir, 'tree');
    const files: Record<string, Buffer> = {
      'a/1.txt': Buffer.from('one\n'),
      'a/b/2.bin': Buffer.alloc(70_000, 3),
      'c.txt': Buffer.from('c\n'),
      'empty.txt': Buffer.alloc(0),
    };
    for (const [name, data] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), data);
    }
    const names = Object.keys(files).sort();
    for (const format of ['.tar', '.tgz', '.zip', '.tar.lz4']) {
      const uri = `ais://clishards/tree${format}`;
      const run = await cairn(endpoint, ['archive', 'put', root, uri, '--archpath', 'tree']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout.toString(), new RegExp(`=> ${uri.replaceAll('.', '\\.')}: 4 files`));
      const got = join(dir, `got-tree${format}`);
      assert.equal((await cairn(endpoint, ['get', uri, got])).code, 0);
      const listing =
        format === '.zip'
          ? execFileSync('unzip', ['-Z1', got]).toString()
          : execFileSync('sh', [
              '-c',
              format === '.tar.lz4' ? `lz4 -dc "${got}" | tar -tf -` : `tar -tf "${got}"`,
            ]).toString();
      assert.deepEqual(
        listing.trim().split('\n'),
        names.map((name) => `tree/${name}`),
        format,
      );
      // Each file's bytes, read back by the format's own tool (`get --archpath` has tests above).
      for (const [name, data] of Object.entries(files)) {
        const entry = `tree/${name}`;
        const read =
          format === '.zip'
            ? execFileSync('unzip', ['-p', got, entry])
            : execFileSync('sh', [
                '-c',
                format === '.tar.lz4'
                  ? `lz4 -dc "${got}" | tar -xOf - "${entry}"`
                  : `tar -xOf "${got}" "${entry}"`,
              ]);
        assert.ok(read.equals(data), `${format} ${name}`);
      }
    }
    // Appending a directory adds its files one by one (the tar in place); empty files cannot be.
    rmSync(join(root, 'empty.txt'));
    const append = await cairn(endpoint, [
      'archive',
      'put',
      root,
      'ais://clishards/tree.tar',
      '--append',
    ]);
    assert.equal(append.code, 0, append.stderr);
    const got = await fetchedShard('tree.tar', 'got-tree-appended.tar');
    assert.deepEqual(got.names, [
      ...names.map((name) => `tree/${name}`),
      'a/1.txt',
      'a/b/2.bin',
      'c.txt',
    ]);
    writeFileSync(join(root, 'empty.txt'), '');
    const refused = await cairn(endpoint, [
      'archive',
      'put',
      root,
      'ais://clishards/tree.tar',
      '--append',
    ]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /empty/);
    const noFormat = await cairn(endpoint, ['archive', 'put', root, 'ais://clishards/tree.bin']);
    assert.notEqual(noFormat.code, 0);
    assert.match(noFormat.stderr, /cannot tell the format/);
  });

  test('archive put --append to a missing shard fails with exit code 1', async () => {
    const file = join(dir, 'lonely.txt');
    writeFileSync(file, 'x');
    const run = await cairn(endpoint, [
      'archive',
      'put',
      file,
      'ais://clishards/absent.tar',
      '--append',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Error: .*absent\.tar.*\n$/);
    assert.equal(run.stdout.length, 0);
  });

  test('archive bucket runs the archive job, prints its ID and waits for it', async () => {
    const run = await cairn(endpoint, [
      'archive',
      'bucket',
      'ais://clishards',
      'ais://clishards/objs.tar',
      '--template',
      'obj-{0..3}',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.toString().trim();
    assert.match(id, /^\S+$/);
    assert.match(run.stderr, new RegExp(`job ${id} \\(archive\\) finished`));
    const out = await fetchedShard('objs.tar', 'objs.tar');
    assert.deepEqual(out.names, ['obj-0', 'obj-1', 'obj-2', 'obj-3']);
    assert.equal(execFileSync('tar', ['-xOf', out.path, 'obj-2']).toString(), 'object 2\n');
  });

  test('archive bucket --base-name-only names the files by base name (bnonly)', async () => {
    await client.putObject(bucket, 'deep/dir/leaf-0', Buffer.from('leaf\n'));
    const run = await cairn(endpoint, [
      'archive',
      'create',
      'ais://clishards',
      'ais://clishards/leaves.tar',
      '--list',
      'deep/dir/leaf-0,obj-1',
      '--base-name-only',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const out = await fetchedShard('leaves.tar', 'leaves.tar');
    assert.deepEqual(out.names, ['leaf-0', 'obj-1']);
    assert.equal(execFileSync('tar', ['-xOf', out.path, 'leaf-0']).toString(), 'leaf\n');
  });

  test('archive bucket without --list or --template is a usage error', async () => {
    const run = await cairn(endpoint, [
      'archive',
      'bucket',
      'ais://clishards',
      'ais://clishards/x.tar',
    ]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^Error: give the objects to archive with one of --list, --template, --prefix\n$/,
    );
  });

  test('archive create --prefix, archive append, archive ls, archive get', async () => {
    const create = await cairn(endpoint, [
      'archive',
      'create',
      'ais://clishards',
      'ais://clishards/prefixed.tar',
      '--prefix',
      'obj-',
    ]);
    assert.equal(create.code, 0, create.stderr);
    const extra = join(dir, 'extra.txt');
    writeFileSync(extra, 'appended\n');
    const append = await cairn(endpoint, [
      'archive',
      'append',
      extra,
      'ais://clishards/prefixed.tar',
      '--archpath',
      'more/extra.txt',
    ]);
    assert.equal(append.code, 0, append.stderr);
    const names = await listedNames(['archive', 'ls', 'ais://clishards/prefixed.tar']);
    // A listing is in name order.
    const files = ['more/extra.txt', 'obj-0', 'obj-1', 'obj-2', 'obj-3', 'obj-4'];
    assert.deepEqual(names, ['prefixed.tar', ...files.map((file) => `prefixed.tar/${file}`)]);
    const get = await cairn(endpoint, [
      'archive',
      'get',
      'ais://clishards/prefixed.tar',
      '-',
      '--archpath',
      'more/extra.txt',
    ]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout.toString(), 'appended\n');
    const missing = await cairn(endpoint, [
      'archive',
      'append',
      extra,
      'ais://clishards/no-such.tar',
    ]);
    assert.equal(missing.code, 1);
  });

  test('batch writes objects and archived files, in order, as a tar to stdout', async () => {
    const list = join(dir, 'list.txt');
    writeFileSync(
      list,
      '# samples\nais://clishards/obj-4\n\nais://clishards/gnu.zip a/000.cls\nais://clishards/obj-1\n',
    );
    assert.deepEqual(await batchEntries([list]), [
      ['clishards/obj-4', 'object 4\n'],
      ['clishards/gnu.zip/a/000.cls', 'cat'],
      ['clishards/obj-1', 'object 1\n'],
    ]);
  });

  test('batch picks the format from the file name; misses become __404__/ with --cont-on-err', async () => {
    const out = join(dir, 'batch.zip');
    const list = 'ais://clishards/obj-0\nais://clishards/ghost\n';
    const args = ['batch', '-', out, '--cont-on-err', '--omit-src-bck', '--coloc', '2'];
    const run = await cairn(endpoint, args, list);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout.toString(), /^2 item\(s\) => .*batch\.zip \(/);
    assert.deepEqual(execFileSync('unzip', ['-Z1', out]).toString().split('\n').filter(Boolean), [
      'obj-0',
      '__404__/ghost',
    ]);
    assert.equal(execFileSync('unzip', ['-p', out, 'obj-0']).toString(), 'object 0\n');
  });

  test('batch refuses a colocation hint other than 0, 1, 2', async () => {
    const run = await cairn(
      endpoint,
      ['batch', '-', '-', '--coloc', '3'],
      'ais://clishards/obj-0\n',
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--coloc/);
  });

  test('batch of a missing object fails with one line and leaves no file', async () => {
    const out = join(dir, 'failed.tar');
    const run = await cairn(endpoint, ['batch', '-', out], 'ais://clishards/ghost\n');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Error: .*ghost.*\n$/);
    assert.equal(existsSync(out), false);
  });
  test('batch cut short after its first byte says so, exits 1 and leaves no file', async () => {
    // The miss comes after an item was sent: the cluster can only close the connection.
    const out = join(dir, 'cut.tar');
    const list = 'ais://clishards/obj-0\nais://clishards/ghost\n';
    const run = await cairn(endpoint, ['batch', '-', out], list);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Error: GetBatch of 2 item\(s\) cut short: .*no file was written/);
    assert.equal(existsSync(out), false);
    const piped = await cairn(endpoint, ['batch', '-', '-'], list);
    assert.equal(piped.code, 1);
    assert.match(piped.stderr, /cut short: .*what went to stdout is incomplete/);
  });
  test('archive ls of a shard lists that shard only, not another whose name extends it', async () => {
    await client.putObject(bucket, 'gnu.tar.zip', readFileSync(makeShard(dir, '.zip')));
    try {
      const names = await listedNames(['archive', 'ls', 'ais://clishards/gnu.tar']);
      assert.ok(names.includes('gnu.tar') && names.length > 1, names.join(' '));
      assert.deepEqual(
        names.filter((name) => name !== 'gnu.tar' && !name.startsWith('gnu.tar/')),
        [],
      );
      const prefix = await cairn(endpoint, ['archive', 'ls', 'ais://clishards/gnu']);
      assert.match(prefix.stdout.toString(), /^gnu\.tar\.zip\/\S+/m);
    } finally {
      await client.deleteObject(bucket, 'gnu.tar.zip');
    }
  });
  test('ls --archive over a shard that is not one fails naming it', async () => {
    await client.putObject(bucket, 'broken.zip', Buffer.from('not a zip\n'));
    try {
      const run = await cairn(endpoint, ['ls', 'ais://clishards', '--archive']);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /^Error: .*ais:\/\/clishards\/broken\.zip: not a valid \.zip archive/m,
      );
    } finally {
      await client.deleteObject(bucket, 'broken.zip');
    }
  });
  test('archive put of an empty file packs a new shard; appending one is a usage error', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const run = await cairn(endpoint, ['archive', 'put', empty, 'ais://clishards/empty.tar']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout.toString(),
      /empty\.txt => ais:\/\/clishards\/empty\.tar\/empty\.txt \(0B\)/,
    );
    const out = await fetchedShard('empty.tar', 'empty-shard.tar');
    assert.equal(execFileSync('tar', ['-tvf', out.path]).toString().split(/\s+/)[2], '0');
    assert.deepEqual(out.names, ['empty.txt']);
    const append = await cairn(endpoint, ['archive', 'append', empty, 'ais://clishards/empty.tar']);
    assert.equal(append.code, 2);
    assert.match(append.stderr, /is empty: .*PUT with a body/);
  });
  test('batch takes a JSON list of items: byte ranges, archived files', async () => {
    const list = JSON.stringify([
      { bucket: 'clishards', objname: 'obj-3', start: 2, length: 4 },
      { bucket: 'clishards', objname: 'gnu.zip', archpath: 'a/000.cls', opaque: 'AQI=' },
      { uname: 'ais/@#/clishards/obj-2', start: 7, length: -1 },
    ]);
    assert.deepEqual(await batchEntries(['-'], list), [
      ['clishards/obj-3', 'ject'],
      ['clishards/gnu.zip/a/000.cls', 'cat'],
      ['clishards/obj-2', '2\n'],
    ]);
    const bad = await cairn(endpoint, ['batch', '-', '-'], '[{"objname": ');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not valid JSON/);
  });
  test('batch of a JSON MossReq keeps its coer and onob (flags win over them)', async () => {
    const request = JSON.stringify({
      in: [
        { bucket: 'clishards', objname: 'obj-0' },
        { bucket: 'clishards', objname: 'ghost' },
      ],
      coer: true,
      onob: true,
    });
    const entries = await batchEntries(['-'], request);
    assert.deepEqual(
      entries.map(([name]) => name),
      ['obj-0', '__404__/ghost'],
    );
  });
  test('archive put of an empty file refuses an archpath that names no file', async () => {
    const empty = join(dir, 'empty-2.txt');
    writeFileSync(empty, '');
    const run = await cairn(endpoint, [
      'archive',
      'put',
      empty,
      'ais://clishards/empty-2.tar',
      '--archpath',
      '/',
    ]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--archpath "\/": expecting a file's path/);
  });
});
