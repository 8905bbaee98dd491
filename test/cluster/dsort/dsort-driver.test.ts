// dSort on a real cluster (3 gateways, 3 targets): input shards of every format, made by the Debian
// tools, resharded in one job (every record once, byte-identical, in order); a dry run
// builds every planned shard (records pulled across targets) and stores none; and the gateway
// driving a job dying: when an election removes it from the cluster map, and when none can (one
// gateway left of two) so it stays in the map unreachable, the targets fail the job with an error
// naming it instead of waiting for ever. The last two kill gateways: they run last, in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, DsortJobInfoJson } from '../../../src/sdk/index.js';
import type { NodeProcess } from '../../harness/node-process.js';
import { makeShard } from '../../harness/shard-files.js';
import { TestCluster } from '../../harness/test-cluster.js';
import { waitFor } from '../../harness/wait.js';
import { checkAllOnce, filesOf, makeDataset, readOutputs, type Dataset } from './dsort-data.js';

const input = { name: 'dsort-driver-in', provider: 'ais' };
const shardCount = 8;
const perShard = 16;
const template = { template: `in-{000..${String(shardCount - 1).padStart(3, '0')}}.tar` };

describe('dsort: input formats, dry run, the driving gateway lost', () => {
  let cluster: TestCluster;
  let dataset: Dataset;
  let keyMapServer: Server | undefined;

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 3,
      targets: 3,
      mountpaths: 1,
      // An election soon after the primary dies; a node's silence stays the default 30 s, so the
      // election (not the targets' own timeout) is what fails the job in the first gateway test.
      // No fsync: the jobs write many small spill files and shards.
      config: {
        'keepalive.interval_ms': 500,
        'keepalive.primary_timeout_ms': 1500,
        'storage.fsync_objects': false,
      },
    });
    const client = cluster.client(0);
    await client.createBucket(input);
    dataset = await makeDataset(53, shardCount, perShard, '.tar', { packer: 'tar-stream' });
    for (const [name, data] of dataset.shards) await client.putObject(input, name, data);
  });
  after(async () => {
    keyMapServer?.closeAllConnections();
    keyMapServer?.close();
    await cluster?.destroy();
  });

  async function run(client: Client, spec: object): Promise<DsortJobInfoJson[]> {
    const id = await client.dsort.start(spec);
    const infos = Object.values(await client.dsort.wait(id, { timeoutMs: 300_000 }));
    for (const info of infos) {
      assert.deepEqual(info.Metrics.errors ?? [], [], `${id}: ${JSON.stringify(info.Metrics)}`);
      assert.equal(info.archived, true);
    }
    return infos;
  }

  test('every input format: .tar, .tgz, .zip and .tar.lz4 shards (Debian tools) resharded, sorted', async () => {
    const client = cluster.client(0);
    const mixed = { name: 'dsort-driver-mixed', provider: 'ais' };
    await client.createBucket(mixed);
    const formats = ['.tar', '.tgz', '.zip', '.tar.lz4'] as const;
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dsort-formats-'));
    try {
      for (const [index, name] of [...dataset.shards.keys()].entries()) {
        const format = formats[index % formats.length] ?? '.tar';
        const files = Object.assign(
          {},
          ...dataset.records.filter((record) => record.shard === name).map(({ files }) => files),
        ) as Record<string, Buffer>;
        const shard = makeShard(mkdtempSync(join(dir, 'shard-')), format, files);
        await client.putObject(mixed, name.replace(/\.tar$/, format), await readFile(shard));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // No input_extension: each shard's format comes from its name.
    await run(client, {
      input_bck: mixed,
      output_bck: { name: 'dsort-formats' },
      output_format: 'f-{000..999}.tar',
      output_shard_size: '128KiB',
    });
    const shards = await readOutputs(client, 'dsort-formats', '.tar');
    assert.ok(shards.length > 1, `${shards.length} output shards`);
    const keys = checkAllOnce(shards, dataset, filesOf(dataset));
    assert.deepEqual(keys, [...keys].sort());
  });

  test('dry run: every planned shard built from records pulled across targets, none stored', async () => {
    const client = cluster.client(0);
    const infos = await run(client, {
      input_bck: input,
      input_format: template,
      output_bck: { name: 'dsort-dry' },
      output_format: 'dry-{000..999}.tar',
      output_shard_size: '16KiB',
      dry_run: true,
    });
    const sum = (count: (info: DsortJobInfoJson) => string): number =>
      infos.reduce((total, info) => total + Number(count(info)), 0);
    const planned = sum((info) => info.Metrics.shard_creation.to_create);
    assert.ok(planned > 3, `${planned} shards planned`);
    assert.equal(
      sum((info) => info.Metrics.shard_creation.created_count),
      planned,
    );
    assert.equal(
      sum((info) => info.Metrics.local_extraction.extracted_count),
      shardCount,
    );
    const listed = [];
    for await (const entry of client.listObjects({ name: 'dsort-dry', provider: 'ais' }))
      listed.push(entry.name);
    assert.deepEqual(listed, []);
  });

  /**
   * Starts a job through `client` that stays in its sorting phase (its key map is never sent),
   * kills `driver` once the job asked for the key map, and waits for every target to fail it
   * with an error matching `reason` (read through `witness`, a gateway still alive).
   */
  async function loseDriver(
    client: Client,
    driver: NodeProcess,
    witness: Client,
    reason: RegExp,
  ): Promise<void> {
    keyMapServer?.closeAllConnections();
    keyMapServer?.close();
    let asked = false;
    keyMapServer = createServer(() => {
      asked = true;
    });
    await new Promise<void>((resolve) => keyMapServer?.listen(0, '127.0.0.1', resolve));
    const port = (keyMapServer?.address() as AddressInfo).port;
    const id = await client.dsort.start({
      input_bck: input,
      input_format: template,
      output_bck: { name: 'dsort-lost-driver' },
      output_shard_size: '16KiB',
      max_mem_usage: '8KiB',
      ekm_file: `http://127.0.0.1:${port}/ekm.json`,
    });
    await waitFor('the coordinator asking for the key map', 120_000, () => Promise.resolve(asked));
    await driver.stop('SIGKILL');
    let infos: DsortJobInfoJson[] = [];
    await waitFor(`${id} failed on every target`, 60_000, async () => {
      infos = Object.values(await witness.dsort.metrics(id));
      return infos.length === cluster.targets.length && infos.every((info) => info.aborted);
    });
    for (const info of infos) {
      assert.equal(info.archived, false);
      assert.match((info.Metrics.errors ?? []).join('\n'), reason);
    }
    // Each target dropped its records (the spill files too) once its share ended.
    await waitFor(`${id} spill directories removed`, 30_000, () =>
      Promise.resolve(
        cluster.targets.every((target) => !existsSync(join(target.spec.dir, 'dsort', id))),
      ),
    );
    await witness.dsort.remove(id);
  }

  test('the primary driving a job dies, an election removes it: the job fails naming it', async () => {
    const primary = cluster.primary;
    await loseDriver(
      cluster.client(0),
      primary,
      cluster.client(1),
      new RegExp(`gateway ${primary.id} driving this job left the cluster`),
    );
  });

  test('the next primary dies with no majority left to replace it: the job fails once it is unreachable', async () => {
    const survivors = cluster.proxies.slice(1);
    const primaryUrl = await cluster.primaryUrl();
    const primary = survivors.find((proxy) => proxy.publicUrl === primaryUrl);
    const witness = survivors.find((proxy) => proxy !== primary);
    assert.ok(primary !== undefined && witness !== undefined, `no new primary (${primaryUrl})`);
    // The targets give a driving gateway that does not answer this long.
    const response = await fetch(
      `${primaryUrl}/v1/cluster/set-config?${new URLSearchParams({ 'keepalive.timeout_ms': '3000' }).toString()}`,
      { method: 'PUT' },
    );
    assert.equal(response.status, 200, await response.text());
    const witnessClient = cluster.client(cluster.proxies.indexOf(witness));
    await waitFor('the new keepalive timeout on every target', 30_000, async () => {
      for (const target of cluster.targets) {
        const config = (await (
          await fetch(`${target.publicUrl}/v1/daemon?what=config`)
        ).json()) as { keepalive: { timeout_ms: number } };
        if (config.keepalive.timeout_ms !== 3000) return false;
      }
      return true;
    });
    // Started through the witness: it forwards the start to the primary, which drives the job.
    await loseDriver(
      witnessClient,
      primary,
      witnessClient,
      new RegExp(`gateway ${primary.id} driving this job is unreachable`),
    );
  });
});
