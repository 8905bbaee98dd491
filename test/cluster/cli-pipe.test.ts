// The CLI writing into a pipe whose reader stops early (`cairn ls ais://b | head -1`, `cairn get
// ais://b/o - | head -c 10`) exits quietly with status 0: no EPIPE error, no stack trace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';

const run = promisify(execFile);
const bucket = { name: 'pipe', provider: 'ais' };
// Both outputs are far larger than a pipe buffer (64 KiB), so writes must fail after the reader
// left: about 375 KB of listing and a 4 MiB object.
const objectCount = 1500;
const longName = (index: number): string => `${'n'.repeat(240)}-${String(index).padStart(5, '0')}`;

/** Runs `cairn ARGS | READER` in bash; returns the reader's output and everything on stderr. */
async function cairnInto(
  endpoint: string,
  args: string,
  reader: string,
): Promise<{ stdout: string; stderr: string }> {
  const script = `"$CAIRN_NODE" "$CAIRN_ENTRY" --endpoint "$CAIRN_ENDPOINT" ${args} | ${reader}
echo "cairn exit status: \${PIPESTATUS[0]}" >&2`;
  return await run('bash', ['-c', script], {
    env: {
      ...process.env,
      CAIRN_NODE: process.execPath,
      CAIRN_ENTRY: cairnEntry,
      CAIRN_ENDPOINT: endpoint,
    },
    timeout: 60_000,
  });
}

describe('CLI output into a pipe closed early', () => {
  let cluster: TestCluster;
  let client: Client;
  let endpoint = '';

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 1, targets: 1, mountpaths: 1 },
      bucket,
    ));
    endpoint = cluster.primary.publicUrl;
    for (let start = 0; start < objectCount; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          client.putObject(bucket, longName(start + k), Buffer.from('x')),
        ),
      );
    }
    await client.putObject(bucket, 'large', Buffer.alloc(4 * 1024 * 1024, 7));
  });
  after(() => cluster?.destroy());

  test('ls | head -1 prints the header and nothing on stderr', async () => {
    const { stdout, stderr } = await cairnInto(endpoint, 'ls ais://pipe', 'head -1');
    assert.match(stdout, /^NAME +SIZE\n$/);
    assert.equal(stderr, 'cairn exit status: 0\n');
  });

  test('ls --json | head -c 1 likewise', async () => {
    const { stdout, stderr } = await cairnInto(endpoint, 'ls ais://pipe --json', 'head -c 1');
    assert.equal(stdout, '[');
    assert.equal(stderr, 'cairn exit status: 0\n');
  });

  test('get - | head -c 10 likewise', async () => {
    const { stdout, stderr } = await cairnInto(endpoint, 'get ais://pipe/large -', 'head -c 10');
    assert.equal(stdout, '\u0007'.repeat(10));
    assert.equal(stderr, 'cairn exit status: 0\n');
  });

  test('a failing command keeps its status when the pipe closes', async () => {
    const { stderr } = await cairnInto(endpoint, 'ls ais://missing', 'head -1');
    assert.doesNotMatch(stderr, /EPIPE|^\s+at /m);
    assert.match(stderr, /cairn exit status: 1\n$/);
  });
});
