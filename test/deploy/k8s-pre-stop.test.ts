// `cairn k8s pre-stop`, the target pods' preStop hook, against a real cluster. Kubernetes itself
// is not on this machine: a small HTTP server stands in for the one API call the hook makes (GET the
// StatefulSet), and checks it carries the service account token.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';

const run = promisify(execFile);

describe('cairn k8s pre-stop (a target pod stopping)', () => {
  let cluster: TestCluster;
  let client: Client;
  let api: Server;
  let apiUrl = '';
  let replicas = 3;
  const seenTokens: string[] = [];
  const bucket = { name: 'scaled', provider: 'ais' };
  const objects = new Map<string, Buffer>();

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    client = new Client(cluster.primary.publicUrl);
    await client.createBucket(bucket);
    for (let index = 0; index < 60; index += 1) {
      const bytes = randomBytes(1000 + index * 100);
      objects.set(`obj-${index}`, bytes);
      await client.putObject(bucket, `obj-${index}`, bytes);
    }
    api = createServer((req, res) => {
      seenTokens.push(req.headers.authorization ?? '');
      if (req.url !== '/apis/apps/v1/namespaces/cairn-ns/statefulsets/cairn-target') {
        res.writeHead(404).end('{"kind":"Status","code":404}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'StatefulSet', spec: { replicas } }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    await writeFile(join(cluster.dir, 'sa-token'), 'sa-token-value\n');
  });

  after(async () => {
    api?.close();
    await client?.close();
    await cluster?.destroy();
  });

  const preStop = (target: number): Promise<{ stdout: string; stderr: string }> => {
    const node = cluster.targets[target];
    assert.ok(node !== undefined);
    return run(
      process.execPath,
      [
        cairnEntry,
        '--endpoint',
        cluster.primary.publicUrl,
        'k8s',
        'pre-stop',
        '--dir',
        node.spec.dir,
        '--pod',
        `cairn-target-${target}`,
        '--namespace',
        'cairn-ns',
        '--api-url',
        apiUrl,
        '--token-file',
        join(cluster.dir, 'sa-token'),
        '--timeout',
        '300',
      ],
      { timeout: 360_000 },
    );
  };

  test('a pod the StatefulSet keeps (a restart) stays in the cluster', async () => {
    const { stdout, stderr } = await preStop(2);
    assert.equal(stdout, '');
    assert.match(stderr, /keeps 3 replica\(s\): a restart, nothing to do/);
    assert.equal(Object.keys((await client.clusterMap({ refresh: true })).tmap).length, 3);
    assert.deepEqual(seenTokens, ['Bearer sa-token-value']);
  });

  test('a pod scaled away moves its objects to the others and leaves; nothing is lost', async () => {
    replicas = 2;
    const leaving = cluster.targets[2]?.id ?? '';
    const { stdout } = await preStop(2);
    assert.equal(stdout.trim(), `removed ${leaving}`);
    const map = await client.clusterMap({ refresh: true });
    assert.deepEqual(
      Object.keys(map.tmap).sort(),
      [cluster.targets[0]?.id, cluster.targets[1]?.id].sort(),
    );
    for (const [name, bytes] of objects)
      assert.ok(
        (await client.getObjectBytes(bucket, name)).equals(bytes),
        `${name} after the scale-down`,
      );
  });

  test('a pod name that is not <statefulset>-<ordinal> is an error, not a silent pass', async () => {
    await assert.rejects(
      run(process.execPath, [
        cairnEntry,
        'k8s',
        'pre-stop',
        '--pod',
        'standalone',
        '--api-url',
        apiUrl,
      ]),
      (error: Error & { stderr?: string }) =>
        /not <statefulset>-<ordinal>/.test(error.stderr ?? ''),
    );
  });
});
