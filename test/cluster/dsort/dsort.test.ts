// dSort on a real cluster (1 gateway, 3 targets): input shards made by GNU tar are resharded and
// the output read back with the Debian tools: sorted by key (every record once, in order, its
// files together and byte-identical, shards bounded by size), shuffled (same seed, same order;
// another seed, another), by content, grouped by an external key map (JSON by URL, text lines by
// ais:// with the Python SDK's `ekm_sep`), spilled to disk under a tiny `max_mem_usage`, in every
// output format; a bad spec is a clear 400. Aborts and lost nodes: dsort-faults.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, type Client, type DsortJobInfoJson } from '../../../src/sdk/index.js';
import { cairnEntry } from '../../harness/node-process.js';
import { rawRequest } from '../../harness/raw-http.js';
import { TestCluster } from '../../harness/test-cluster.js';
import {
  checkAllOnce,
  filesOf,
  keyOf,
  makeDataset,
  readOutputs,
  type Dataset,
  type OutputShard,
} from './dsort-data.js';

const input = { name: 'dsort-in', provider: 'ais' };
const shardCount = 12;
const perShard = 50;

describe('dsort', () => {
  let cluster: TestCluster;
  let client: Client;
  let dataset: Dataset;
  let files: Map<string, Buffer>;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    client = cluster.client(0);
    await client.createBucket(input);
    dataset = await makeDataset(17, shardCount, perShard, '.tar');
    files = filesOf(dataset);
    for (const [name, data] of dataset.shards) await client.putObject(input, name, data);
  });
  after(async () => {
    await cluster?.destroy();
  });

  async function run(spec: object): Promise<Record<string, DsortJobInfoJson>> {
    const id = await client.dsort.start(spec);
    assert.match(id, /^srt-/);
    const metrics = await client.dsort.wait(id, { timeoutMs: 600_000 });
    for (const info of Object.values(metrics)) {
      assert.deepEqual(info.Metrics.errors ?? [], [], `${id}: ${JSON.stringify(info.Metrics)}`);
      assert.equal(info.aborted, false);
      assert.equal(info.archived, true);
    }
    return metrics;
  }

  const outputs = (bucket: string, format: string): Promise<OutputShard[]> =>
    readOutputs(client, bucket, format);
  const checkComplete = (shards: readonly OutputShard[]): string[] =>
    checkAllOnce(shards, dataset, files);

  test('alphanumeric: sorted by key into shards bounded by size (Debian tar reads them)', async () => {
    const limit = 16 * 1024;
    const metrics = await run({
      input_bck: input,
      input_format: { template: `in-{000..${String(shardCount - 1).padStart(3, '0')}}.tar` },
      output_bck: { name: 'dsort-sorted' },
      output_format: 'out-{0000..9999}.tar',
      output_shard_size: '16KiB',
      description: 'sorted',
    });
    assert.equal(Object.keys(metrics).length, 3);
    const extracted = Object.values(metrics).reduce(
      (total, info) => total + Number(info.Metrics.local_extraction.extracted_record_count),
      0,
    );
    assert.equal(extracted, dataset.records.length);
    const shards = await outputs('dsort-sorted', '.tar');
    const keys = checkComplete(shards);
    assert.deepEqual(keys, [...keys].sort());
    const created = Object.values(metrics).reduce(
      (total, info) => total + Number(info.Metrics.shard_creation.created_count),
      0,
    );
    assert.equal(created, shards.length);
    shards.forEach(({ shard, files: content }, index) => {
      assert.equal(shard, `out-${String(index).padStart(4, '0')}.tar`);
      const size = content.reduce((total, file) => total + file.data.length, 0);
      const last = content.slice(-2).reduce((total, file) => total + file.data.length, 0);
      assert.ok(size - last < limit, `${shard}: ${size} bytes`);
      if (index < shards.length - 1) assert.ok(size >= limit, `${shard}: only ${size} bytes`);
    });
    const listed = await client.dsort.list({ regex: '^sorted$' });
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.archived, true);
    assert.deepEqual(await client.dsort.list({ regex: '^sorted$', onlyActive: true }), []);
    const id = listed[0]?.id ?? '';
    await client.dsort.remove(id);
    await assert.rejects(client.dsort.metrics(id), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 404);
      return true;
    });
  });

  test('shuffle: the same seed gives the same order, another seed another', async () => {
    const orders: string[][] = [];
    for (const [bucket, seed] of [
      ['dsort-shuf-a', '42'],
      ['dsort-shuf-b', '42'],
      ['dsort-shuf-c', '7'],
    ] as const) {
      await run({
        input_bck: input,
        input_format: { template: 'in-' },
        input_extension: '.tar',
        output_bck: { name: bucket },
        output_format: 'sh-@999.tar',
        output_shard_size: '40KiB',
        algorithm: { kind: 'shuffle', seed },
      });
      orders.push(checkComplete(await outputs(bucket, '.tar')));
    }
    assert.deepEqual(orders[0], orders[1]);
    assert.notDeepEqual(orders[0], orders[2]);
    assert.notDeepEqual(orders[0], [...(orders[0] ?? [])].sort());
  });

  test("content: ordered by the number in each record's .cls file, decreasing", async () => {
    await run({
      input_bck: input,
      input_format: { objnames: [...dataset.shards.keys()] },
      output_bck: { name: 'dsort-content' },
      output_format: 'c-%04d.tar',
      output_shard_size: '32KiB',
      algorithm: { kind: 'content', extension: '.cls', content_key_type: 'int', decreasing: true },
    });
    const keys = checkComplete(await outputs('dsort-content', '.tar'));
    const dry = await run({
      input_bck: input,
      input_format: { template: 'in-{000..011}.tar' },
      output_bck: { name: 'dsort-dry' },
      output_format: 'dry-{000..999}.tar',
      output_shard_size: '32KiB',
      dry_run: true,
    });
    const planned = Object.values(dry).reduce(
      (total, info) => total + Number(info.Metrics.shard_creation.to_create),
      0,
    );
    assert.ok(planned > 1, `${planned} shards planned`);
    assert.deepEqual(await outputs('dsort-dry', '.tar'), []);
    const labels = new Map(dataset.records.map((record) => [record.key, record.label]));
    const sequence = keys.map((key) => labels.get(key) ?? -1);
    assert.deepEqual(
      sequence,
      [...sequence].sort((a, b) => b - a),
    );
  });

  for (const format of ['.tgz', '.zip', '.tar.lz4'] as const) {
    test(`output ${format} (with max_mem_usage far below the data: records spill to disk)`, async () => {
      const bucket = `dsort-fmt-${format.replace(/\./g, '')}`;
      const metrics = await run({
        input_bck: input,
        input_format: { template: 'in-{000..011}.tar' },
        output_bck: { name: bucket },
        output_format: `f-{00..99}${format}`,
        output_shard_size: '200KiB',
        max_mem_usage: '4KiB',
      });
      const spilled = Object.values(metrics).reduce(
        (total, info) => total + Number(info.Metrics.local_extraction.extracted_to_disk_count),
        0,
      );
      assert.ok(spilled > dataset.records.length, `only ${spilled} files spilled`);
      const keys = checkComplete(await outputs(bucket, format));
      assert.deepEqual(keys, [...keys].sort());
    });
  }

  test('external key map: records grouped by label (JSON by URL; text lines by ais:// and ekm_sep)', async () => {
    const groups: Record<string, string[]> = {};
    for (const record of dataset.records)
      (groups[`label${record.label}-{0..99}.tar`] ??= []).push(record.key);
    await client.putObject(input, 'ekm.json', Buffer.from(JSON.stringify(groups)));
    const gateway = cluster.primary.publicUrl;
    const lines = dataset.records.map((record) => `${record.key} label${record.label}-%d.tar`);
    await client.putObject(input, 'ekm.txt', Buffer.from(lines.join('\n')));
    for (const [bucket, ekm] of [
      ['dsort-ekm-json', { ekm_file: `${gateway}/v1/objects/dsort-in/ekm.json?provider=ais` }],
      ['dsort-ekm-text', { ekm_file: 'ais://dsort-in/ekm.txt', ekm_sep: ' ' }],
    ] as const) {
      await run({
        input_bck: input,
        input_format: { template: 'in-{000..011}.tar' },
        output_bck: { name: bucket },
        output_shard_size: '20KiB',
        ...ekm,
      });
      const shards = await outputs(bucket, '.tar');
      checkComplete(shards);
      const labels = new Map(dataset.records.map((record) => [record.key, record.label]));
      for (const { shard, files: content } of shards) {
        const label = /^label(\d)-\d+\.tar$/.exec(shard)?.[1];
        assert.ok(label !== undefined, shard);
        for (const file of content) assert.equal(String(labels.get(keyOf(file.name))), label);
      }
    }
  });

  test('CLI: dsort start spec.yaml --wait, ls, show, rm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-dsort-cli-'));
    const cairn = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [cairnEntry, '--endpoint', cluster.primary.publicUrl, 'dsort', ...args],
          { timeout: 300_000 },
          (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
            resolve({ code, stdout, stderr });
          },
        );
      });
    try {
      const spec = join(dir, 'spec.yaml');
      writeFileSync(
        spec,
        [
          'input_bck: {name: dsort-in}',
          'input_format: {template: "in-{000..011}.tar"}',
          'output_bck: {name: dsort-cli}',
          'output_format: "cli-{000..999}.tar"',
          'output_shard_size: 64KiB',
          'description: from the CLI',
          'algorithm: {kind: alphanumeric, decreasing: true}',
          '',
        ].join('\n'),
      );
      const started = await cairn(['start', spec, '--wait']);
      assert.equal(started.code, 0, started.stderr);
      const id = started.stdout.trim();
      assert.match(id, /^srt-/);
      assert.match(
        started.stderr,
        new RegExp(`dsort ${id} finished: ${dataset.records.length} records`),
      );
      const keys = checkComplete(await outputs('dsort-cli', '.tar'));
      assert.deepEqual(keys, [...keys].sort().reverse());
      const listed = await cairn(['ls', '--regex', 'from the CLI']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`${id}\\s+finished`));
      const shown = await cairn(['show', id]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.stdout.trim().split('\n').length, 4, shown.stdout);
      assert.match(shown.stdout, /TARGET\s+EXTRACTED/);
      const removed = await cairn(['rm', id]);
      assert.equal(removed.code, 0, removed.stderr);
      const gone = await cairn(['show', id]);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bad spec is a 400 naming what is wrong', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ output_format: 'o-{0..9}.tar' }, /input_bck/],
      [
        { input_bck: input, output_format: 'o-{0..9}.tar', algorithm: { kind: 'bogus' } },
        /invalid kind "bogus"/,
      ],
      [{ input_bck: input, input_extension: '.tar' }, /output_format/],
      [{ input_bck: input, output_format: 'o-%06d.tar' }, /output_shard_size/],
      [{ input_bck: input, output_format: 'o-{0..9}.rar' }, /output_extension/],
      [
        {
          input_bck: input,
          output_format: 'o-{0..9}.tar',
          algorithm: { kind: 'shuffle', seed: '-3' },
        },
        /seed/,
      ],
      [
        { input_bck: input, output_format: 'o-{0..9}.tar', algorithm: { kind: 'content' } },
        /extension/,
      ],
      [
        {
          input_bck: input,
          input_format: { template: 'in-{0..3}.tar' },
          input_extension: '.zip',
          output_format: 'o-{0..9}.tar',
        },
        /input_extension/,
      ],
    ];
    for (const [spec, message] of cases) {
      const response = await rawRequest(cluster.primary.publicUrl, 'POST', '/v1/sort', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spec),
      });
      assert.equal(response.status, 400, `${JSON.stringify(spec)}: ${response.body}`);
      assert.match((JSON.parse(response.body) as { message: string }).message, message);
    }
    const missing = await rawRequest(cluster.primary.publicUrl, 'POST', '/v1/sort', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_bck: { name: 'nope' }, output_format: 'o-{0..9}.tar' }),
    });
    assert.equal(missing.status, 404, missing.body);
    const unknown = await rawRequest(cluster.primary.publicUrl, 'GET', '/v1/sort?uuid=srt-none');
    assert.equal(unknown.status, 404, unknown.body);
  });
});
