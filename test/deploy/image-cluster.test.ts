// The container image: `scripts/image.sh` builds it, and a cluster of 1 gateway and 2 targets runs
// from it under podman (host network, each node's state and mountpaths on volumes from a temp
// dir). Needs root with podman, buildah and debootstrap installed; skipped with the reason otherwise.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '../../src/sdk/index.js';
import { freeBasePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const image = 'localhost/cairn:suite-test';

async function missingTools(): Promise<string | undefined> {
  if (process.getuid?.() !== 0)
    return 'not root (the image build needs debootstrap and buildah as root)';
  for (const tool of ['podman', 'buildah', 'debootstrap']) {
    const found = await run('sh', ['-c', `command -v ${tool}`]).then(
      () => true,
      () => false,
    );
    if (!found)
      return `${tool} is not installed (Debian packages podman, buildah, debootstrap, runc)`;
  }
  return undefined;
}

/**
 * `podman run` as this machine kind allows it: runc with cgroupfs (crun refuses hybrid cgroups),
 * and rlimits no higher than the current ones (raising them is refused even to root here).
 */
async function podman(args: string[]): Promise<string> {
  const { stdout: nofile } = await run('sh', ['-c', 'ulimit -n']);
  const runtime = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
  const limits =
    args[0] === 'run'
      ? ['--ulimit', `nofile=${nofile.trim()}:${nofile.trim()}`, '--ulimit', 'nproc=4096:4096']
      : [];
  const [command = '', ...rest] = args;
  const { stdout } = await run('podman', [...runtime, command, ...limits, ...rest], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe('container image (scripts/image.sh)', () => {
  test('builds, and a 1-gateway 2-target cluster runs from it', async (t) => {
    const missing = await missingTools();
    if (missing !== undefined) {
      t.skip(`image test skipped: ${missing}`);
      return;
    }
    await run('bash', [path.join(repoRoot, 'scripts/image.sh'), '--prebuilt', image], {
      cwd: repoRoot,
      timeout: 20 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'cairn-image-'));
    const prefix = `cairn-it-${randomBytes(4).toString('hex')}`;
    const names: string[] = [];
    try {
      const base = await freeBasePort(3);
      const gatewayUrl = `http://127.0.0.1:${base}`;
      const start = async (name: string, volumes: string[], flags: string[]): Promise<void> => {
        const mounts: string[] = [];
        for (const [index, volume] of volumes.entries()) {
          const hostDir = path.join(dir, name, String(index));
          await mkdir(hostDir, { recursive: true });
          mounts.push('-v', `${hostDir}:${volume}`);
        }
        names.push(`${prefix}-${name}`);
        await podman([
          'run',
          '-d',
          '--network',
          'host',
          '--name',
          `${prefix}-${name}`,
          ...mounts,
          image,
          'node',
          ...flags,
        ]);
      };
      await start(
        'gw',
        ['/cairn/state'],
        [
          '--role',
          'proxy',
          '--dir',
          '/cairn/state',
          '--port',
          `${base}`,
          '--intra-port',
          `${base + 100}`,
        ],
      );
      for (const index of [1, 2]) {
        await start(
          `target${index}`,
          ['/cairn/state', '/cairn/mp0'],
          [
            '--role',
            'target',
            '--dir',
            '/cairn/state',
            '--port',
            `${base + index}`,
            '--intra-port',
            `${base + 100 + index}`,
            '--primary-url',
            gatewayUrl,
            '--mountpath',
            '/cairn/mp0',
          ],
        );
      }
      const client = new Client(gatewayUrl, { timeoutMs: 5_000 });
      await waitFor('two targets in the cluster map of the image cluster', 120_000, async () => {
        const map = await client.clusterMap({ refresh: true });
        return Object.keys(map.tmap).length === 2;
      });
      const bucket = { name: 'images', provider: 'ais' };
      await client.createBucket(bucket);
      const objects = new Map<string, Buffer>();
      for (let index = 0; index < 20; index += 1)
        objects.set(`obj-${index}`, randomBytes(1000 + index * 4096));
      for (const [name, bytes] of objects) await client.putObject(bucket, name, bytes);
      for (const [name, bytes] of objects)
        assert.deepEqual(await client.getObjectBytes(bucket, name), bytes, name);
      const logs = await podman(['logs', `${prefix}-target1`]);
      assert.match(logs, /"event":"ready"/);
    } finally {
      for (const name of names) await podman(['rm', '-f', name]).catch(() => '');
      await podman(['rmi', '-f', image]).catch(() => '');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
