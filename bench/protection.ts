// Data protection and rebalance, measured once they land (their own branches): EC 4+2 and 2-copy
// mirror PUT as a ratio of plain PUT on the same cluster, and rebalance MiB/s when a target joins
// against `cp -r` of the same bytes on the same disk. Each row detects its feature (a 501 answer,
// a refused property, a missing `playground add-target`) and says "not available yet" instead.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiError, type BucketPropsUpdateJson, type Client } from '../src/sdk/index.js';
import { runBenchClient } from './lib/bench-client.js';
import { Playground, type PlaygroundShape } from './lib/playground.js';
import { runCairn, runTool } from './lib/processes.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch, type Scratch } from './lib/scratch.js';
import { phaseSeconds } from './lib/sizes.js';

const notAvailable = 'not available yet';

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
    if (error instanceof ApiError && error.status === 501)
      return `${notAvailable} (${error.detail})`;
    return error instanceof Error ? error.message : String(error);
  }
}

async function putMiBPerSecond(endpoint: string, bucket: string): Promise<number | undefined> {
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
  ]);
  const operation = run.operation('put');
  return operation === undefined || operation.errors > 0 ? undefined : operation.mibPerSecond;
}

/** PUT 1MiB into a protected bucket vs a plain one, back to back on one playground. */
async function protectedPut(
  scratch: Scratch,
  shape: PlaygroundShape,
  workload: string,
  props: BucketPropsUpdateJson,
): Promise<ResultRow> {
  const row = { workload, subject: 'protected PUT', yardstick: 'plain PUT', unit: 'MiB/s' };
  const playground = await Playground.start(scratch, shape);
  const client = playground.client();
  try {
    const refused = await tryBucket(client, 'protected', props);
    if (refused !== undefined)
      return { ...row, subjectValue: undefined, yardstickValue: undefined, note: refused };
    await tryBucket(client, 'plain');
    const plain = await putMiBPerSecond(playground.endpoint, 'plain');
    const protectedFigure = await putMiBPerSecond(playground.endpoint, 'protected');
    return { ...row, subjectValue: protectedFigure, yardstickValue: plain };
  } finally {
    await client.close();
    await runCairn(['playground', 'stop', '--dir', playground.dir, '--wipe']);
  }
}

/** The playground's target directories (`target-<j>`), as absolute paths. */
async function targetDirectories(playgroundDir: string): Promise<string[]> {
  const entries = await readdir(playgroundDir);
  return entries
    .filter((entry) => entry.startsWith('target-'))
    .map((entry) => join(playgroundDir, entry));
}

async function directoryBytes(paths: string[]): Promise<number> {
  const result = await runTool('du', ['-sb', ...paths]);
  return result.stdout
    .split('\n')
    .reduce((sum, line) => sum + (Number(line.split('\t')[0]) || 0), 0);
}

/** Writes ~2 GiB, adds a target, and times until the new target's mountpaths stop growing. */
async function rebalance(scratch: Scratch): Promise<ResultRow> {
  const row = {
    workload: 'rebalance on target join',
    subject: 'Cairn rebalance',
    yardstick: 'cp -r same bytes',
    unit: 'MiB/s',
  };
  const help = await runCairn(['playground', 'add-target', '--help']);
  if (help.code !== 0 || !help.stdout.includes('add-target')) {
    return {
      ...row,
      subjectValue: undefined,
      yardstickValue: undefined,
      note: `${notAvailable} (no playground add-target)`,
    };
  }
  const playground = await Playground.start(scratch);
  const targetsBefore = await targetDirectories(playground.dir);
  await runBenchClient([
    '--endpoint',
    playground.endpoint,
    '--bucket',
    'rebalance',
    '--workload',
    'put',
    '--size',
    '64MiB',
    '--objects',
    '32',
    '--concurrency',
    '8',
    '--no-cleanup',
  ]);
  const joinedAt = performance.now();
  const added = await runCairn(['playground', 'add-target', '--dir', playground.dir]);
  const newTarget = (await targetDirectories(playground.dir)).find(
    (dir) => !targetsBefore.includes(dir),
  );
  if (added.code !== 0 || newTarget === undefined) {
    const reason = added.stderr.trim().split('\n')[0] ?? '';
    return {
      ...row,
      subjectValue: undefined,
      yardstickValue: undefined,
      note: `playground add-target did not add a target: ${reason}`,
    };
  }
  const mountpaths = async (): Promise<string[]> =>
    (await readdir(newTarget).catch(() => []))
      .filter((entry) => entry.startsWith('mp-'))
      .map((entry) => join(newTarget, entry));
  let moved = 0;
  let stableSince = performance.now();
  while (performance.now() - stableSince < 3000 && performance.now() - joinedAt < 300_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const bytes = await directoryBytes(await mountpaths());
    if (bytes !== moved) {
      moved = bytes;
      stableSince = performance.now();
    }
  }
  const seconds = (stableSince - joinedAt) / 1000;
  const copyStarted = performance.now();
  const source = join(playground.dir, 'target-0');
  await runTool('cp', ['-r', source, join(scratch.dir, 'copy')]);
  const copied = await directoryBytes([source]);
  const copySeconds = (performance.now() - copyStarted) / 1000;
  return {
    ...row,
    subjectValue: moved / 1024 ** 2 / seconds,
    yardstickValue: copied / 1024 ** 2 / copySeconds,
    note: `${(moved / 1024 ** 2).toFixed(0)} MiB moved`,
  };
}

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  await withScratch('protection', async (scratch) => {
    rows.push(
      await protectedPut(scratch, { proxies: 1, targets: 7, mountpaths: 1 }, 'PUT 1MiB, EC 4+2', {
        ec: { enabled: true, data_slices: 4, parity_slices: 2 },
      }),
      await protectedPut(
        scratch,
        { proxies: 1, targets: 2, mountpaths: 2 },
        'PUT 1MiB, mirror 2 copies',
        {
          mirror: { enabled: true, copies: 2 },
        },
      ),
      await rebalance(scratch),
    );
  });
  await publish('protection', 'Data protection and rebalance (where they have landed)', rows);
}

await main();
