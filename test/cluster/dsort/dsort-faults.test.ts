// dSort when things go wrong, on a real cluster (2 gateways, 3 targets): an abort during each
// phase (extraction, sorting, creation) ends the job as aborted everywhere with no output shard
// stored, no work file left and the records' spill directory gone, and the cluster goes on
// serving; the non-primary gateway that received a job dying mid-job does not disturb it (the
// primary drives it); a target killed mid-job fails the job with a clear error instead of a hang.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client, DsortJobInfoJson } from '../../../src/sdk/index.js';
import { TestCluster } from '../../harness/test-cluster.js';
import { waitFor } from '../../harness/wait.js';
import { checkAllOnce, filesOf, makeDataset, readOutputs, type Dataset } from './dsort-data.js';

const input = { name: 'dsort-faults-in', provider: 'ais' };
const shardCount = 30;
const perShard = 60;
/** Every file spills to disk and each record is its own output shard: every phase takes a while. */
const slow = {
  input_bck: input,
  input_format: { template: `in-{000..${String(shardCount - 1).padStart(3, '0')}}.tar` },
  max_mem_usage: '1KiB',
  extract_concurrency_max_limit: 1,
  create_concurrency_max_limit: 1,
  output_shard_size: '1B',
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('dsort faults', () => {
  let cluster: TestCluster;
  let client: Client;
  let dataset: Dataset;
  let keyMapServer: Server | undefined;

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 2,
      targets: 3,
      mountpaths: 1,
      // A killed node leaves the map after 10 s instead of the default 30 s (the two kill tests
      // wait for that); still 20 missed keepalives, so a target busy spilling is never dropped.
      config: { 'keepalive.interval_ms': 500, 'keepalive.timeout_ms': 10_000 },
    });
    client = cluster.client(0);
    await client.createBucket(input);
    dataset = await makeDataset(29, shardCount, perShard, '.tar');
    for (const [name, data] of dataset.shards) await client.putObject(input, name, data);
  });
  after(async () => {
    keyMapServer?.closeAllConnections();
    keyMapServer?.close();
    await cluster?.destroy();
  });

  const infosOf = async (id: string): Promise<DsortJobInfoJson[]> =>
    Object.values(await client.dsort.metrics(id));

  /**
   * Starts a job and aborts it once `reached` holds; undefined when the job finished first. Polls
   * every 10 ms, bounded.
   */
  async function abortWhen(
    spec: object,
    reached: (infos: DsortJobInfoJson[]) => boolean,
  ): Promise<string | undefined> {
    const id = await client.dsort.start(spec);
    for (let attempt = 0; attempt < 12_000; attempt += 1) {
      const infos = await infosOf(id);
      if (infos.every((info) => info.archived)) return undefined;
      if (reached(infos)) {
        await client.dsort.abort(id);
        return id;
      }
      await sleep(10);
    }
    assert.fail(`${id}: the phase was never reached`);
  }

  /** Files under the output bucket's object and work directories on every live target. */
  async function storedFiles(bucket: string): Promise<string[]> {
    const found: string[] = [];
    for (const target of cluster.targets.filter((node) => node.running))
      for (const mountpath of target.spec.mountpaths)
        for (const kind of ['%ob', '%wk']) {
          const dir = join(mountpath, '@ais', bucket, kind);
          if (!existsSync(dir)) continue;
          for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
            if (entry.isFile()) found.push(join(entry.parentPath, entry.name));
        }
    return found;
  }

  /**
   * Aborted everywhere (by request: no error; else with `failure` in the errors), nothing left
   * behind, and the cluster still reads and writes.
   */
  async function checkCleanAbort(id: string, bucket: string, failure?: RegExp): Promise<void> {
    let infos: DsortJobInfoJson[] = [];
    await waitFor(`${id} aborted on every target`, 120_000, async () => {
      infos = await infosOf(id);
      return infos.length > 0 && infos.every((info) => info.aborted);
    });
    for (const info of infos) {
      assert.equal(info.archived, false);
      if (failure === undefined) assert.deepEqual(info.Metrics.errors ?? [], []);
      else assert.match((info.Metrics.errors ?? []).join('\n'), failure);
    }
    // A target has removed what it stored once its share is no longer running.
    await waitFor(`${id} ended on every target`, 120_000, async () => {
      const jobs = await client.jobs.list({ kind: 'dsort' });
      return jobs.filter((job) => job.uuid === id).every((job) => job.end_time !== 0);
    });
    const listed = [];
    for await (const entry of client.listObjects({ name: bucket, provider: 'ais' }))
      listed.push(entry.name);
    assert.deepEqual(listed, []);
    assert.deepEqual(await storedFiles(bucket), []);
    for (const target of cluster.targets.filter((node) => node.running))
      assert.ok(!existsSync(join(target.spec.dir, 'dsort', id)), `${target.id}: spill dir left`);
    const probe = Buffer.from(`still serving after ${id}`);
    await client.putObject(input, `probe-${id}`, probe);
    assert.ok((await client.getObjectBytes(input, `probe-${id}`)).equals(probe));
    await client.dsort.remove(id);
  }

  test('abort during extraction', async () => {
    const bucket = 'dsort-abort-extract';
    let id: string | undefined;
    // The job may outrun the poll on an idle machine: bounded retries.
    for (let attempt = 0; attempt < 3 && id === undefined; attempt += 1)
      id = await abortWhen(
        { ...slow, output_bck: { name: bucket }, output_format: 'x-%06d.tar' },
        (infos) =>
          infos.some((info) => Number(info.Metrics.local_extraction.extracted_count) > 0) &&
          infos.some((info) => !info.Metrics.local_extraction.finished),
      );
    assert.ok(id !== undefined, 'extraction always finished before the abort');
    const infos = await infosOf(id);
    assert.ok(infos.every((info) => !info.Metrics.shard_creation.running));
    await checkCleanAbort(id, bucket);
  });

  test('abort during sorting (the coordinator waits for a slow external key map)', async () => {
    const bucket = 'dsort-abort-sort';
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const keyMap = JSON.stringify({ 'k-%06d.tar': dataset.records.map((record) => record.key) });
    let asked = false;
    keyMapServer = createServer((_req, res) => {
      asked = true;
      // Held until the test has aborted the job.
      void released.then(() => res.end(keyMap));
    });
    await new Promise<void>((resolve) => keyMapServer?.listen(0, '127.0.0.1', resolve));
    const port = (keyMapServer?.address() as AddressInfo).port;
    const id = await client.dsort.start({
      ...slow,
      output_bck: { name: bucket },
      ekm_file: `http://127.0.0.1:${port}/ekm.json`,
    });
    // A bounded poll, not a race against a long timer that would outlive the test.
    await waitFor('the coordinator asking for the key map', 300_000, () => Promise.resolve(asked));
    const infos = await infosOf(id);
    assert.ok(infos.every((info) => info.Metrics.local_extraction.finished));
    const extracted = infos.reduce(
      (total, info) => total + Number(info.Metrics.local_extraction.extracted_record_count),
      0,
    );
    assert.equal(extracted, dataset.records.length);
    assert.ok(infos.every((info) => info.Metrics.meta_sorting.running));
    await client.dsort.abort(id);
    release();
    await checkCleanAbort(id, bucket);
  });

  test('abort during shard creation', async () => {
    const bucket = 'dsort-abort-create';
    const id = await abortWhen(
      { ...slow, output_bck: { name: bucket }, output_format: 'c-%06d.tar' },
      (infos) => infos.some((info) => Number(info.Metrics.shard_creation.created_count) > 0),
    );
    assert.ok(id !== undefined, 'creation finished before the abort');
    await checkCleanAbort(id, bucket);
  });

  test('the non-primary gateway that received the job dies: the job completes', async () => {
    const other = cluster.client(1);
    const gateway = cluster.proxies[1];
    assert.ok(gateway !== undefined);
    const id = await other.dsort.start({
      input_bck: input,
      input_format: slow.input_format,
      output_bck: { name: 'dsort-gateway-lost' },
      output_format: 'g-{0000..9999}.tar',
      output_shard_size: '64KiB',
      max_mem_usage: '1KiB',
      extract_concurrency_max_limit: 1,
    });
    await gateway.stop('SIGKILL');
    await cluster.waitForMembers(60_000, cluster.nodes.length - 1);
    const metrics = await client.dsort.wait(id, { timeoutMs: 600_000 });
    for (const info of Object.values(metrics)) {
      assert.deepEqual(info.Metrics.errors ?? [], [], JSON.stringify(info.Metrics));
      assert.equal(info.archived, true);
    }
    const keys = checkAllOnce(
      await readOutputs(client, 'dsort-gateway-lost', '.tar'),
      dataset,
      filesOf(dataset),
    );
    assert.deepEqual(keys, [...keys].sort());
  });

  // Last: it kills a target.
  test('a target killed mid-creation fails the job with a clear error, not a hang', async () => {
    const bucket = 'dsort-target-lost';
    const id = await client.dsort.start({
      ...slow,
      output_bck: { name: bucket },
      output_format: 'l-%06d.tar',
    });
    await waitFor(`${id} creating shards`, 300_000, async () =>
      (await infosOf(id)).some((info) => Number(info.Metrics.shard_creation.created_count) > 0),
    );
    const victim = cluster.targets[2];
    assert.ok(victim !== undefined);
    const victimId = victim.id;
    await victim.stop('SIGKILL');
    let infos: DsortJobInfoJson[] = [];
    // Metrics leave out a target that does not answer in time (the dead one, or a busy one).
    await waitFor(`${id} failed on the other targets`, 120_000, async () => {
      infos = await infosOf(id);
      return infos.length === 2 && infos.every((info) => info.aborted);
    });
    for (const info of infos) {
      assert.equal(info.archived, false);
      assert.match(
        (info.Metrics.errors ?? []).join('\n'),
        new RegExp(`${victimId}.*(unreachable|left the cluster)`),
      );
    }
    await cluster.waitForTargetCount(2, 60_000);
    await checkCleanAbort(id, bucket, new RegExp(victimId));
  });
});
