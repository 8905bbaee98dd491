// The CLI end to end against a stub gateway that stores objects in memory (gateway mode, so all
// traffic goes to it): output formats, exit codes, and the requests commands send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import {
  sendJson,
  startStubNode,
  type RecordedRequest,
  type StubNode,
} from '../sdk/stub-node.test-helper.js';
import { buildCli } from './index.js';
import type { CliIo } from './cli-io.js';

class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

async function runCli(endpoint: string, args: string[], stdin = ''): Promise<RunResult> {
  const result: RunResult = { stdout: '', stderr: '', exitCode: 0 };
  const sink = (key: 'stdout' | 'stderr'): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        result[key] += chunk.toString();
        callback();
      },
    });
  const io: CliIo = {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    setExitCode: (code) => {
      result.exitCode = code;
    },
    exit: (code) => {
      throw new ExitSignal(code);
    },
  };
  const argv = ['node', 'cairn', '--endpoint', endpoint, '--no-direct', ...args];
  try {
    await buildCli({ entryScript: '/unused/cairn.js', io }).parseAsync(argv);
  } catch (error) {
    if (!(error instanceof ExitSignal)) throw error;
    result.exitCode = error.code;
  }
  return result;
}

/** A gateway that serves bucket `b` from memory. */
function storingGateway(store: Map<string, Buffer>) {
  return (request: RecordedRequest, response: ServerResponse): void => {
    const path = decodeURIComponent(request.url.pathname);
    if (path === '/v1/buckets') return sendJson(response, [{ name: 'b', provider: 'ais' }]);
    if (path === '/v1/buckets/b' && request.method === 'GET') {
      const value = (
        JSON.parse(request.body.toString()) as {
          value: { pagesize?: number; continuation_token?: string };
        }
      ).value;
      const names = [...store.keys()]
        .sort()
        .filter((name) => name > (value.continuation_token ?? ''));
      const page = names.slice(0, value.pagesize ?? 1000);
      const token = names.length > page.length ? (page[page.length - 1] ?? '') : '';
      const entries = page.map((name) => ({ name, size: String(store.get(name)?.length ?? 0) }));
      return sendJson(response, { uuid: 'u', continuation_token: token, entries, flags: 0 });
    }
    if (path === '/v1/buckets/b' && request.method === 'HEAD') {
      response.writeHead(200, {
        'ais-bucket-props': JSON.stringify({ access: '1', mirror: { copies: 1 } }),
      });
      return void response.end();
    }
    if (path.startsWith('/v1/buckets/')) return void response.end();
    const name = path.replace(/^\/v1\/objects\/b\//, '');
    if (request.method === 'PUT') {
      store.set(name, request.body);
      return void response.end();
    }
    const data = store.get(name);
    if (!path.startsWith('/v1/objects/b/') || data === undefined) {
      const message = `ais://${path.replace('/v1/objects/', '')} does not exist`;
      if (request.method === 'HEAD') {
        response.writeHead(404, { 'hdr-error': JSON.stringify({ message }) });
        return void response.end();
      }
      return sendJson(response, { message, status: 404 }, 404);
    }
    response.writeHead(200, {
      'content-length': String(data.length),
      'ais-custom-md': ['k=v'],
      'ais-atime': '1700000000000000000',
    });
    response.end(request.method === 'HEAD' ? undefined : data);
  };
}

async function setup(t: {
  after: (fn: () => Promise<void>) => void;
}): Promise<{ gateway: StubNode; store: Map<string, Buffer>; dir: string }> {
  const store = new Map<string, Buffer>();
  const gateway = await startStubNode(storingGateway(store));
  const dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
  t.after(async () => {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { gateway, store, dir };
}

test('put a file, a directory and stdin; list; get back', async (t) => {
  const { gateway, store, dir } = await setup(t);
  await writeFile(join(dir, 'one.txt'), 'one');
  await mkdir(join(dir, 'tree', 'sub'), { recursive: true });
  await writeFile(join(dir, 'tree', 'a.txt'), 'aa');
  await writeFile(join(dir, 'tree', 'sub', 'b.txt'), 'bbb');

  assert.equal((await runCli(gateway.url, ['put', join(dir, 'one.txt'), 'ais://b'])).exitCode, 0);
  const tree = await runCli(gateway.url, [
    'put',
    join(dir, 'tree'),
    'ais://b/tree/',
    '--concurrency',
    '2',
  ]);
  assert.match(tree.stdout, /2 objects, 5B/);
  assert.equal(
    (await runCli(gateway.url, ['put', '-', 'ais://b/piped'], 'from stdin')).exitCode,
    0,
  );
  assert.deepEqual([...store.keys()].sort(), ['one.txt', 'piped', 'tree/a.txt', 'tree/sub/b.txt']);
  assert.equal(store.get('piped')?.toString(), 'from stdin');

  const listing = await runCli(gateway.url, ['ls', 'ais://b', '--page-size', '2']);
  assert.equal(
    listing.stdout,
    [
      'NAME            SIZE',
      'one.txt           3B',
      'piped            10B',
      'tree/a.txt        2B',
      'tree/sub/b.txt    3B',
      '',
    ].join('\n'),
  );
  const limited = await runCli(gateway.url, ['ls', 'ais://b', '--limit', '1', '--json']);
  assert.deepEqual(JSON.parse(limited.stdout), [{ name: 'one.txt', size: '3' }]);

  const target = join(dir, 'copy.txt');
  const get = await runCli(gateway.url, ['get', 'ais://b/tree/sub/b.txt', target]);
  assert.equal(get.exitCode, 0, get.stderr);
  assert.equal(await readFile(target, 'utf8'), 'bbb');
  const toStdout = await runCli(gateway.url, ['get', 'ais://b/one.txt', '-']);
  assert.equal(toStdout.stdout, 'one');
});

test('failures print one line and exit 1; usage errors exit 2', async (t) => {
  const { gateway } = await setup(t);
  const missing = await runCli(gateway.url, [
    'get',
    'ais://b/nothing',
    join(tmpdir(), 'never-written'),
  ]);
  assert.deepEqual(missing, {
    stdout: '',
    stderr: 'Error: ais://b/nothing does not exist\n',
    exitCode: 1,
  });
  const badUri = await runCli(gateway.url, ['rmo', 'ais://b']);
  assert.equal(badUri.exitCode, 2);
  assert.match(badUri.stderr, /^Error: "ais:\/\/b" does not name an object/);
  const unknownOption = await runCli(gateway.url, ['ls', '--bogus']);
  assert.equal(unknownOption.exitCode, 2);
  assert.match(unknownOption.stderr, /unknown option '--bogus'/);
  const stdinWithoutName = await runCli(gateway.url, ['put', '-', 'ais://b']);
  assert.equal(stdinWithoutName.exitCode, 2);
});

test('bucket listing, props and object show', async (t) => {
  const { gateway, store } = await setup(t);
  store.set('o', Buffer.from('12345'));
  assert.equal((await runCli(gateway.url, ['ls'])).stdout, 'NAME\nais://b\n');
  const set = await runCli(gateway.url, [
    'bucket',
    'props',
    'set',
    'ais://b',
    'mirror.copies=2',
    'access=7',
  ]);
  assert.equal(set.exitCode, 0, set.stderr);
  const patch = gateway.requests.find((request) => request.method === 'PATCH');
  assert.deepEqual(JSON.parse(patch?.body.toString() ?? ''), {
    action: 'set-bprops',
    value: { mirror: { copies: 2 }, access: '7' },
  });
  const show = await runCli(gateway.url, ['bucket', 'props', 'show', 'ais://b']);
  assert.equal(show.stdout, 'access = GET\nmirror.copies = 1\n');
  const object = await runCli(gateway.url, ['object', 'show', 'ais://b/o', '--json']);
  const props = JSON.parse(object.stdout) as Record<string, unknown>;
  assert.equal(props['size'], 5);
  assert.equal(props['atimeNs'], '1700000000000000000');
  assert.deepEqual(props['customMetadata'], { k: 'v' });
  const created = await runCli(gateway.url, ['create', 'ais://x', 'ais://y']);
  assert.equal(created.stdout, 'created ais://x\ncreated ais://y\n');
});
