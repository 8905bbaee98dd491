// Data protection and rebalance: the Reed-Solomon encode rate on one core (goal: at least
// 1 GiB/s), EC 4+2 and 2-copy mirror PUT as a ratio of plain PUT on the same cluster (goal for
// EC 4+2: 0.4, issue 11), the same for overwrites in buckets that keep history (kept versions protected too), and rebalance MiB/s when a target joins, from the rebalance job's own counters,
// against `cp -r` of the same bytes on the same disk.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReedSolomonCodec } from '../src/protect/ec/reed-solomon.js';
import type { BucketPropsUpdateJson, Client, JobSnapshotJson } from '../src/sdk/index.js';
import { runBenchClient } from './lib/bench-client.js';
import { Playground, type PlaygroundShape } from './lib/playground.js';
import { runCairn, runTool } from './lib/processes.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch, type Scratch } from './lib/scratch.js';
import { phaseSeconds } from './lib/sizes.js';

const encodeGoalGiBPerSecond = 1;

/** GiB of data per second through `step` (one call handles `bytes`), one call at a time. */
async function gibPerSecond(bytes: number, step: () => Promise<void> | void): Promise<number> {
  for (let warm = 0; warm < 10; warm += 1) await step();
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < 2000) {
    await step();
    calls += 1;
  }
  return (calls * bytes) / 2 ** 30 / ((performance.now() - started) / 1000);
}

/** D+P encoding of 1 MiB shards by the native codec, against copying the same bytes once. */
async function encodeRow(dataShards: number, parityShards: number): Promise<ResultRow> {
  const shardBytes = 1024 * 1024;
  const codec = new ReedSolomonCodec(dataShards, parityShards);
  const data = randomBytes(shardBytes * dataShards);
  const parity = Buffer.alloc(shardBytes * parityShards);
  const copy = Buffer.alloc(data.length);
  const encode = await gibPerSecond(data.length, () =>
    codec.encodeParity(data, parity, shardBytes),
  );
  const copied = await gibPerSecond(data.length, () => {
    data.copy(copy);
  });
  const verdict = encode >= encodeGoalGiBPerSecond ? 'ok' : 'SHORT';
  return {
    workload: `Reed-Solomon ${dataShards}+${parityShards} encode, 1 MiB shards`,
    subject: 'Cairn EC codec',
    yardstick: 'copy same bytes',
    unit: 'GiB/s/core',
    subjectValue: encode,
    yardstickValue: copied,
    note: `goal >= ${encodeGoalGiBPerSecond} GiB/s/core: ${verdict}`,
  };
}

/** Creates `name` with `props`; a description of why not when the cluster refuses them. */
async function tryBucket(
  client: Client,
  name: string,
  props?: BucketPropsUpdateJson,
): Promise<string | undefined> {
  try {
    await client.createBucket({ name, provider: 'ais' }, props);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** MiB/s of 1 MiB PUTs; with `names`, over that many names only (so objects are overwritten). */
async function putMiBPerSecond(
  endpoint: string,
  bucket: string,
  names?: number,
): Promise<number | undefined> {
  const run = await runBenchClient([
    '--endpoint',
    endpoint,
    '--bucket',
    bucket,
    '--workload',
    'put',
    '--size',
    '1MiB',
    '--concurrency',
    '16',
    '--duration',
    `${phaseSeconds}s`,
    ...(names === undefined ? [] : ['--objects', String(names)]),
  ]);
  const operation = run.operation('put');
  return operation === undefined || operation.errors > 0 ? undefined : operation.mibPerSecond;
}

/**
 * PUT 1MiB into a protected bucket vs a plain one, back to back on one playground. `versioned`:
 * both buckets keep history and the PUTs overwrite 64 names, so every PUT also keeps (and, in the
 * protected bucket, protects) the version it replaces.
 */
async function protectedPut(
  scratch: Scratch,
  shape: PlaygroundShape,
  workload: string,
  props: BucketPropsUpdateJson,
  versioned = false,
): Promise<ResultRow> {
  const row = { workload, subject: 'protected PUT', yardstick: 'plain PUT', unit: 'MiB/s' };
  const playground = await Playground.start(scratch, shape);
  const client = playground.client();
  const history: BucketPropsUpdateJson = versioned ? { versioning: { history: 'enabled' } } : {};
  const names = versioned ? 64 : undefined;
  try {
    const refused = await tryBucket(client, 'protected', { ...props, ...history });
    if (refused !== undefined)
      return { ...row, subjectValue: undefined, yardstickValue: undefined, note: refused };
    await tryBucket(client, 'plain', history);
    const plain = await putMiBPerSecond(playground.endpoint, 'plain', names);
    const protectedFigure = await putMiBPerSecond(playground.endpoint, 'protected', names);
    return { ...row, subjectValue: protectedFigure, yardstickValue: plain };
  } finally {
    await client.close();
    await runCairn(['playground', 'stop', '--dir', playground.dir, '--wipe']);
  }
}

/** Sum of a counter over the targets' snapshots of a job. */
function sumStat(snapshots: JobSnapshotJson[], key: string): number {
  return snapshots.reduce((sum, snapshot) => sum + Number(snapshot.stats[key] ?? 0), 0);
}

/**
 * Writes 32 x 64 MiB, adds a target, and reads the rebalance job's own figures: bytes and objects
 * the targets received, from its first start to its last end.
 */
async function rebalance(scratch: Scratch): Promise<ResultRow> {
  const row = {
    workload: 'rebalance on target join',
    subject: 'Cairn rebalance',
    yardstick: 'cp -r same bytes',
    unit: 'MiB/s',
  };
  const playground = await Playground.start(scratch);
  const client = playground.client();
  try {
    const objects = 32;
    await runBenchClient([
      ...['--endpoint', playground.endpoint, '--bucket', 'rebalance', '--workload', 'put'],
      ...['--size', '64MiB', '--objects', String(objects), '--concurrency', '8', '--no-cleanup'],
    ]);
    const before = new Set((await client.jobs.list({ kind: 'rebalance' })).map((job) => job.uuid));
    const added = await runCairn(['playground', 'add-target', '--dir', playground.dir]);
    if (added.code !== 0) {
      const reason = added.stderr.trim().split('\n')[0] ?? '';
      const note = `playground add-target failed: ${reason}`;
      return { ...row, subjectValue: undefined, yardstickValue: undefined, note };
    }
    const job = await waitForNewJob(client, before);
    await client.jobs.wait(job, { timeoutMs: 300_000 });
    const snapshots = Object.values(await client.jobs.snapshots({ id: job })).flat();
    const bytes = sumStat(snapshots, 'in-bytes');
    const moved = sumStat(snapshots, 'in-objs');
    const started = Math.min(...snapshots.map((snapshot) => Date.parse(snapshot['start-time'])));
    const ended = Math.max(...snapshots.map((snapshot) => Date.parse(snapshot['end-time'])));
    const seconds = Math.max(ended - started, 1) / 1000;

    const source = join(playground.dir, 'target-0');
    const copyStarted = performance.now();
    await runTool('cp', ['-r', source, join(scratch.dir, 'copy')]);
    const copySeconds = (performance.now() - copyStarted) / 1000;
    const copied = await directoryBytes([source]);
    return {
      ...row,
      subjectValue: bytes / 1024 ** 2 / seconds,
      yardstickValue: copied / 1024 ** 2 / copySeconds,
      note: `${(bytes / 1024 ** 2).toFixed(0)} MiB, ${moved} of ${objects} objects moved (ideal 1/3)`,
    };
  } finally {
    await client.close();
  }
}

/** The rebalance job the join started (bounded wait: a join always starts one). */
async function waitForNewJob(client: Client, before: Set<string>): Promise<string> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const fresh = (await client.jobs.list({ kind: 'rebalance' })).find(
      (job) => !before.has(job.uuid),
    );
    if (fresh !== undefined) return fresh.uuid;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no rebalance job started within 60 s of the join');
}

async function directoryBytes(paths: string[]): Promise<number> {
  const result = await runTool('du', ['-sb', ...paths]);
  return result.stdout
    .split('\n')
    .reduce((sum, line) => sum + (Number(line.split('\t')[0]) || 0), 0);
}

async function main(): Promise<void> {
  const rows: ResultRow[] = [await encodeRow(4, 2), await encodeRow(8, 4)];
  await withScratch('protection', async (scratch) => {
    const erasure = await protectedPut(
      scratch,
      { proxies: 1, targets: 7, mountpaths: 1 },
      'PUT 1MiB, EC 4+2',
      { ec: { enabled: true, data_slices: 4, parity_slices: 2 } },
    );
    rows.push(
      { ...erasure, goal: 0.4 },
      await protectedPut(
        scratch,
        { proxies: 1, targets: 2, mountpaths: 2 },
        'PUT 1MiB, mirror 2 copies',
        {
          mirror: { enabled: true, copies: 2 },
        },
      ),
      await protectedPut(
        scratch,
        { proxies: 1, targets: 2, mountpaths: 2 },
        'PUT 1MiB over 64 names, versioned, mirror 2 copies',
        { mirror: { enabled: true, copies: 2 } },
        true,
      ),
      await protectedPut(
        scratch,
        { proxies: 1, targets: 7, mountpaths: 1 },
        'PUT 1MiB over 64 names, versioned, EC 4+2',
        { ec: { enabled: true, data_slices: 4, parity_slices: 2 } },
        true,
      ),
      await rebalance(scratch),
    );
  });
  await publish('protection', 'Data protection and rebalance', rows);
}

await main();
