// Batch data movement (issue 15's goals), each against `cp -r` of the same files on the same disk,
// measured in the same run: copy-bck of 1 GiB in 1 MiB objects (goal >= 0.5 of `cp -r` of 1,024
// files of 1 MiB) and promote of 10,000 small files (4 KiB) from a directory the targets see
// (goal >= 0.5 of `cp -r` of that directory). Subject and yardstick take turns, round by round;
// each figure is the median of the rounds. Time = from the request until the job's status says
// finished (copy-bck: every object in the new bucket; promote: every file an object), the status
// polled every 10 ms. One job of each kind, not counted, warms the cluster up first (its time is
// in the note): the first copy-bck after the cluster started ran at half the speed of the next
// ones while their code compiled (docs/profiling.md, "copy-bck"), and was one of three rounds.
//
//   BENCH_ROUNDS (5), BENCH_COPY_OBJECTS (1024), BENCH_PROMOTE_FILES (10000) change the sizes.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BucketJson, Client } from '../src/sdk/index.js';
import { TestCluster } from '../test/harness/test-cluster.js';
import { median } from './lib/median.js';
import { benchShape } from './lib/playground.js';
import { runTool } from './lib/processes.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const copyObjects = Number(process.env['BENCH_COPY_OBJECTS'] ?? 1024);
const promoteFiles = Number(process.env['BENCH_PROMOTE_FILES'] ?? 10_000);
const copyBytes = 1024 * 1024;
const promoteBytes = 4096;
/** Files per directory of the promoted tree (a flat directory of 10,000 is not what people have). */
const filesPerDirectory = 500;
const goal = 0.5;
const waitOptions = { timeoutMs: 900_000, intervalMs: 10 };

/** Seconds `cp -r from to` takes (`to` removed afterwards). */
async function copyTree(from: string, to: string): Promise<number> {
  const started = performance.now();
  const result = await runTool('cp', ['-r', from, to], { timeoutMs: 900_000 });
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) throw new Error(`cp -r: ${result.stderr.trim()}`);
  await rm(to, { recursive: true, force: true });
  return seconds;
}

/** Seconds a job started by `start` takes to finish without error. */
async function timeJob(client: Client, start: () => Promise<string>): Promise<number> {
  const started = performance.now();
  const id = await start();
  const status = await client.jobs.wait(id, waitOptions);
  const seconds = (performance.now() - started) / 1000;
  if (status.err !== '' || status.aborted) throw new Error(`job ${id} failed: ${status.err}`);
  return seconds;
}

async function objectCount(client: Client, bucket: BucketJson): Promise<number> {
  let count = 0;
  for await (const entry of client.listObjects(bucket)) if (entry.name !== '') count += 1;
  return count;
}

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  await withScratch('data-movement', async (scratch) => {
    const filesRoot = join(scratch.dir, 'files');
    const copySource = join(filesRoot, 'objects');
    const promoteSource = join(filesRoot, 'small');
    const copyData = randomBytes(copyBytes);
    await mkdir(copySource, { recursive: true });
    for (let index = 0; index < copyObjects; index += 1)
      await writeFile(join(copySource, `o-${index}`), copyData);
    const smallData = randomBytes(promoteBytes);
    for (let index = 0; index < promoteFiles; index += 1) {
      const directory = join(promoteSource, `d${Math.floor(index / filesPerDirectory)}`);
      if (index % filesPerDirectory === 0) await mkdir(directory, { recursive: true });
      await writeFile(join(directory, `f-${index}`), smallData);
    }

    const cluster = await TestCluster.start({
      ...benchShape,
      config: { 'storage.fsync_objects': false },
      nodeArgs: ['--promote-root', filesRoot],
    });
    scratch.defer(() => cluster.destroy());
    const client = cluster.client();
    const source: BucketJson = { name: 'copy-source', provider: 'ais' };
    await client.createBucket(source);
    for (let index = 0; index < copyObjects; index += 16)
      await Promise.all(
        Array.from({ length: Math.min(16, copyObjects - index) }, (_, k) =>
          client.putObject(source, `o-${index + k}`, copyData),
        ),
      );

    const warmUpTo: BucketJson = { name: 'warm-up-promote', provider: 'ais' };
    await client.createBucket(warmUpTo);
    const coldCopy = await timeJob(client, () =>
      client.jobs.copyBucket(source, { name: 'warm-up-copy', provider: 'ais' }),
    );
    const coldPromote = await timeJob(client, () =>
      client.promote(warmUpTo, promoteSource, { rcr: true }),
    );
    await client.destroyBucket({ name: 'warm-up-copy', provider: 'ais' });
    await client.destroyBucket(warmUpTo);

    const copy = { subject: [] as number[], yardstick: [] as number[] };
    const promote = { subject: [] as number[], yardstick: [] as number[] };
    for (let round = 0; round < rounds; round += 1) {
      const copyTo: BucketJson = { name: `copy-${round}`, provider: 'ais' };
      const promoteTo: BucketJson = { name: `promote-${round}`, provider: 'ais' };
      await client.createBucket(promoteTo);
      const subjectFirst = round % 2 === 0;
      const copyJob = (): Promise<number> =>
        timeJob(client, () => client.jobs.copyBucket(source, copyTo));
      const promoteJob = (): Promise<number> =>
        timeJob(client, () => client.promote(promoteTo, promoteSource, { rcr: true }));
      const copyCp = (): Promise<number> => copyTree(copySource, join(scratch.dir, 'cp-objects'));
      const promoteCp = (): Promise<number> =>
        copyTree(promoteSource, join(scratch.dir, 'cp-small'));
      for (const [subject, yardstick, into] of [
        [copyJob, copyCp, copy],
        [promoteJob, promoteCp, promote],
      ] as const) {
        if (subjectFirst) into.subject.push(await subject());
        into.yardstick.push(await yardstick());
        if (!subjectFirst) into.subject.push(await subject());
      }
      if ((await objectCount(client, copyTo)) !== copyObjects)
        throw new Error(`copy-bck: ${copyTo.name} does not hold ${copyObjects} objects`);
      if ((await objectCount(client, promoteTo)) !== promoteFiles)
        throw new Error(`promote: ${promoteTo.name} does not hold ${promoteFiles} objects`);
      await client.destroyBucket(copyTo);
      await client.destroyBucket(promoteTo);
      process.stderr.write(
        `round ${round + 1}: copy-bck ${copy.subject.at(-1)?.toFixed(2)} s, cp ${copy.yardstick.at(-1)?.toFixed(2)} s; ` +
          `promote ${promote.subject.at(-1)?.toFixed(2)} s, cp ${promote.yardstick.at(-1)?.toFixed(2)} s\n`,
      );
    }
    const mib = (copyObjects * copyBytes) / (1024 * 1024);
    rows.push(
      {
        workload: `copy-bck ${mib} MiB (${copyObjects} x 1 MiB), median of ${rounds}`,
        subject: 'Cairn copy-bck',
        yardstick: 'cp -r of the files',
        unit: 'MiB/s',
        subjectValue: mib / median(copy.subject),
        yardstickValue: mib / median(copy.yardstick),
        goal,
        note: `first (cold) copy-bck ${(mib / coldCopy).toFixed(0)} MiB/s, not counted`,
      },
      {
        workload: `promote ${promoteFiles} x 4 KiB, median of ${rounds}`,
        subject: 'Cairn promote (job)',
        yardstick: 'cp -r of the directory',
        unit: 'files/s',
        subjectValue: promoteFiles / median(promote.subject),
        yardstickValue: promoteFiles / median(promote.yardstick),
        goal,
        note: `first (cold) promote ${(promoteFiles / coldPromote).toFixed(0)} files/s, not counted`,
      },
    );
  });
  await publish('data-movement', 'Batch data movement: copy-bck and promote vs cp -r', rows);
}

await main();
