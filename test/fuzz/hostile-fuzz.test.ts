// Seeded fuzzing of both APIs on gateways and targets (public and intra-cluster ports): malformed
// methods, paths, headers and bodies (test/fuzz/fuzz-requests.ts). Asserts no answer is a 5xx other
// than 501 (not built yet), no node crashes or logs a fault, no stored object changes, and no file
// appears outside a mountpath. CAIRN_CHAOS_SEED repeats or varies a run; CAIRN_FUZZ_REQUESTS sets
// its size.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/sdk/index.js';
import { Prng, chaosSeed } from '../harness/prng.js';
import { TestCluster } from '../harness/test-cluster.js';
import { fuzzBucket, fuzzRequest, type FuzzSetup } from './fuzz-requests.js';
import { sendRequest } from './wire-send.js';

const requestCount = Number(process.env['CAIRN_FUZZ_REQUESTS'] ?? 2400);
const runDeadlineMs = 180_000;
const workers = 8;
const stableBucket = { name: 'fuzz-stable', provider: 'ais' };

interface Finding {
  index: number;
  port: string;
  summary: string;
  status: number;
  preview: string;
}

/** Every file or directory name under `root` (not following links), skipping `skip` subtrees. */
async function namesUnder(
  root: string,
  skip: ReadonlySet<string>,
  depth: number,
): Promise<string[]> {
  if (depth < 0 || skip.has(root)) return [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    const full = join(root, entry.name);
    names.push(full);
    if (entry.isDirectory()) names.push(...(await namesUnder(full, skip, depth - 1)));
  }
  return names;
}

describe('fuzzing both APIs with hostile requests', () => {
  let cluster: TestCluster;
  let client: Client;
  const setup: FuzzSetup = { canary: `cairnfuzz${randomBytes(4).toString('hex')}` };
  const stable = new Map<string, Buffer>();
  const findings: Finding[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 2, targets: 2, mountpaths: 1 });
    client = new Client(cluster.primary.publicUrl, { timeoutMs: 15_000 });
    await client.createBucket(stableBucket);
    await client.createBucket({ name: fuzzBucket, provider: 'ais' });
    for (let index = 0; index < 24; index += 1) {
      const bytes = randomBytes(index * 3_000 + 1);
      stable.set(`obj-${index}`, bytes);
      await client.putObject(stableBucket, `obj-${index}`, bytes);
    }
    const seed = chaosSeed();
    console.log(`fuzz seed ${seed} (CAIRN_CHAOS_SEED repeats it), ${requestCount} requests`);
    const rng = new Prng(seed);
    const ports = [
      ...cluster.proxies.map((node) => [`${node.spec.name}`, node.port, 5] as const),
      ...cluster.targets.map((node) => [`${node.spec.name}`, node.port, 3] as const),
      ...cluster.nodes.map((node) => [`${node.spec.name} intra`, node.intraPort, 1] as const),
    ];
    const requests = Array.from({ length: requestCount }, (_, index) => {
      const [name, port] = rng.weighted(ports.map((entry) => [entry, entry[2]] as const));
      return { index, name, port, request: fuzzRequest(rng, setup, `127.0.0.1:${port}`) };
    });
    const deadline = Date.now() + runDeadlineMs;
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < requests.length && Date.now() < deadline) {
          const item = requests[next++];
          if (item === undefined) break;
          const outcome = await sendRequest(item.port, item.request);
          sent += 1;
          statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
          if (outcome.status >= 500 && outcome.status !== 501)
            findings.push({
              index: item.index,
              port: item.name,
              summary: item.request.summary,
              status: outcome.status,
              preview: outcome.preview.split('\r\n\r\n').slice(-1)[0]?.slice(0, 200) ?? '',
            });
        }
      }),
    );
    const histogram = [...statuses].sort(([a], [b]) => a - b).map(([code, n]) => `${code}:${n}`);
    console.log(`fuzz: ${sent} requests sent; statuses ${histogram.join(' ')} (0 = closed)`);
  });

  after(async () => {
    await client?.close();
    await cluster?.destroy();
  });

  test('the run sent its requests within its time bound', () => {
    assert.ok(sent >= Math.min(requestCount, 500), `only ${sent} of ${requestCount} sent`);
  });

  test('no request got a 5xx other than 501', () => {
    assert.deepEqual(findings.slice(0, 15), []);
  });

  test('every node still runs and answers health', async () => {
    for (const node of cluster.nodes) {
      assert.ok(node.running, `${node.spec.name} died`);
      const health = await fetch(`${node.publicUrl}/v1/health`);
      assert.equal(health.status, 200, `${node.spec.name} health`);
    }
  });

  test('no node logged a fault or an uncaught error', async () => {
    const faults: string[] = [];
    for (const node of cluster.nodes) {
      const log = await readFile(join(node.spec.dir, 'node.log'), 'utf8');
      for (const line of log.split('\n'))
        if (line !== '' && (!line.startsWith('{') || line.includes('"code":"Internal"')))
          faults.push(`${node.spec.name}: ${line.slice(0, 300)}`);
    }
    assert.deepEqual(faults.slice(0, 10), []);
  });

  test('objects stored before the run are unchanged, and nothing joined their bucket', async () => {
    for (const [name, bytes] of stable)
      assert.ok((await client.getObjectBytes(stableBucket, name)).equals(bytes), `${name} changed`);
    const listed: string[] = [];
    for await (const entry of client.listObjects(stableBucket)) listed.push(entry.name);
    assert.deepEqual(listed.sort(), [...stable.keys()].sort());
  });

  test('no file named by a traversal payload exists outside a mountpath', async () => {
    const mountpaths = new Set(cluster.targets.flatMap((node) => node.spec.mountpaths));
    const roots = [cluster.dir, tmpdir(), '/var/lib/cairn', process.cwd()];
    const breaches: string[] = [];
    for (const root of roots)
      for (const name of await namesUnder(root, mountpaths, root === cluster.dir ? 12 : 2))
        if (name.includes(setup.canary)) breaches.push(name);
    assert.deepEqual(breaches, []);
  });
});
