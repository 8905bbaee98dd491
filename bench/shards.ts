// Shards for ML loaders (issue 14's table), on a playground of 3 targets, each against a
// yardstick measured in the same run:
// - GetBatch of 1,000 × 4 KiB objects (samples/s) vs 1,000 single GETs with 16 in flight;
// - one 4 KiB file out of a 1 GiB tar (indexed; reads/s, 16 in flight) vs GETs of a 4 KiB object
//   (both warmed up, then BENCH_ARCHPATH_ROUNDS rounds of a turn of each, alternating; medians);
// - the archive job over 10,000 objects (objects/s) vs GNU `tar -cf` of the same files on disk;
// - GetBatch of 100 × 1 MiB (MiB/s) vs plain GETs of the same objects, 16 in flight.
// BENCH_SHARD_BYTES (default 1 GiB) and BENCH_ARCHIVE_OBJECTS (default 10,000) scale it down;
// BENCH_SHARDS_ROWS (comma-separated, of getbatch, archpath, archive; default all) picks rows, and
// BENCH_ARCHIVE_RUNS (default 3) runs of the archive job and of tar -cf in turns (medians), after
// BENCH_ARCHIVE_WARMUPS (default 1) untimed runs of each;
// BENCH_GETBATCH_ROUNDS (default 7) alternating rounds of each GetBatch row and its GETs (medians). The notes give
// the nodes' CPU per item (user + system of every node process).
import { createReadStream, createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { PlacementMap, type Client } from '../src/sdk/index.js';
import { median } from './lib/median.js';
import { Playground } from './lib/playground.js';
import { runTool } from './lib/processes.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch, type Scratch } from './lib/scratch.js';

const bucket = { name: 'shards', provider: 'ais' };
const shape = { proxies: 1, targets: 3, mountpaths: 1 };
const inFlight = 16;
const shardBytes = Number(process.env['BENCH_SHARD_BYTES'] ?? 1 << 30);
const archiveObjects = Number(process.env['BENCH_ARCHIVE_OBJECTS'] ?? 10_000);
const small = 4096;
const rowsWanted = new Set(
  (process.env['BENCH_SHARDS_ROWS'] ?? 'getbatch,archpath,archive')
    .split(',')
    .map((row) => row.trim()),
);
const archiveRuns = Math.max(1, Number(process.env['BENCH_ARCHIVE_RUNS'] ?? 3));
/**
 * Archive jobs (and `tar -cf` runs) before the timed ones, as the other rows warm up: on fresh
 * nodes the first job of 10,000 objects took 3.7-5.4 s and the second 1.6-2.2 s against 0.8-1.7 s
 * for the next three (load 12-15, docs/profiling.md "Session 48"), so a median of three measured
 * V8's compilation and the first fill of the metadata and content caches as much as the job.
 * A warm-up is one job per target, each archive named so that it lands on a different target: the
 * shard's target runs code the others do not (the writer, the indexer, the file sink, the peers'
 * parts coming in), and a target's first job as the shard's compiled 140-800 functions
 * (`--trace-opt`) at 85-250 us of node CPU per object against 50-60 for its later ones, however
 * many jobs the other targets had run (docs/profiling.md "Session 49 (arch49b)"). One warm-up
 * named by the run warmed one target of three; the timed runs landing on the other two measured
 * their compilation (GNU tar, a compiled program, has none to do).
 */
const archiveWarmUps = Math.max(0, Number(process.env['BENCH_ARCHIVE_WARMUPS'] ?? 1));
const getBatchRounds = Math.max(1, Number(process.env['BENCH_GETBATCH_ROUNDS'] ?? 7));
/**
 * Batches before the GetBatch rows are timed (the GETs, 1,000 or 100 requests a run, warm within
 * their first run; 2 of them): V8 keeps compiling a batch's code for about its first 40 batches
 * (29 compilations a batch after 15, 3–5 after 25; docs/profiling.md "V8's recompiles"), and a
 * loader runs thousands: the steady state is the figure.
 */
const getBatchWarmUps = 40;
const getsWarmUps = 2;
/**
 * The indexed-read row: reads of each kind before measuring, then rounds of one turn of each (the
 * first in the opposite order every other round), and the medians of the turns' rates and node CPU.
 * Four turns of 500 summed (before session 49) gave 0.67-1.03 on a busy machine: the GETs' node CPU
 * per read alone swung 0.065-0.105 ms between runs, and one slow turn of either kind moved a sum.
 */
const readsWarmUp = 1000;
const readRounds = Math.max(1, Number(process.env['BENCH_ARCHPATH_ROUNDS'] ?? 12));
const readsPerTurn = 1000;
const sampleName = (index: number): string => `sample-${String(index).padStart(6, '0')}`;

async function drain(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

/** Runs `count` calls of `one`, `inFlight` at a time; returns the seconds taken. */
async function timed(count: number, one: (index: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await one(index);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** PUTs the samples (4 KiB each) and writes the same files under `dir` for GNU tar. */
async function putSamples(client: Client, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await timed(archiveObjects, async (index) => {
    const data = Buffer.alloc(small, index % 251);
    writeFileSync(join(dir, sampleName(index)), data);
    await client.putObject(bucket, sampleName(index), data);
  });
}

/**
 * Seconds of each of `rounds` runs of `subject` and of `yardstick`, the two taking turns (the first
 * in the opposite order every other round), after warm-up runs of each (`getBatchWarmUps`): a
 * GetBatch's designated target is picked at random, and a fresh node's first batches run before
 * its code is compiled, so one timed batch measured the JIT as much as the batch.
 */
async function alternated(
  subject: () => Promise<unknown>,
  yardstick: () => Promise<unknown>,
): Promise<{ subject: number[]; yardstick: number[] }> {
  const seconds = async (run: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await run();
    return (performance.now() - started) / 1000;
  };
  for (let index = 0; index < getBatchWarmUps; index += 1) await subject();
  for (let index = 0; index < getsWarmUps; index += 1) await yardstick();
  const times = { subject: [] as number[], yardstick: [] as number[] };
  for (let round = 0; round < getBatchRounds; round += 1) {
    if (round % 2 === 1) times.yardstick.push(await seconds(yardstick));
    times.subject.push(await seconds(subject));
    if (round % 2 === 0) times.yardstick.push(await seconds(yardstick));
  }
  return times;
}

const roundsNote = (times: { subject: number[]; yardstick: number[] }): string =>
  `medians of ${times.subject.length} alternating rounds after ${getBatchWarmUps} warm-up batches and ${getsWarmUps} of GETs; ` +
  `batch ${times.subject.map((value) => (value * 1000).toFixed(0)).join('/')} ms`;

/** One GetBatch (TAR) of `names` against a GET of each, 16 in flight, alternating. */
async function batchAgainstGets(
  client: Client,
  names: readonly string[],
): Promise<{ bytes: number; times: { subject: number[]; yardstick: number[] } }> {
  const request = { in: names.map((objname) => ({ objname })), strm: true };
  let bytes = 0;
  const times = await alternated(
    async () => {
      bytes = await drain((await client.getBatch(request, bucket)).body);
    },
    () =>
      timed(names.length, async (index) => {
        await drain((await client.getObject(bucket, names[index] as string)).body);
      }),
  );
  return { bytes, times };
}

async function getBatchRows(client: Client): Promise<ResultRow[]> {
  const count = Math.min(1000, archiveObjects);
  const samples = Array.from({ length: count }, (_, index) => sampleName(index));
  const { bytes: got, times: smallTimes } = await batchAgainstGets(client, samples);
  const big = 100;
  const bigNames = Array.from({ length: big }, (_, index) => `big-${index}`);
  await timed(big, (index) =>
    client.putObject(bucket, bigNames[index] as string, Buffer.alloc(1 << 20, index)),
  );
  const { bytes: bigBytes, times: bigTimes } = await batchAgainstGets(client, bigNames);
  return [
    {
      workload: `GetBatch ${count} x 4 KiB, 3 targets`,
      subject: 'one GetBatch (TAR)',
      yardstick: `${count} GETs, ${inFlight} in flight`,
      unit: 'samples/s',
      subjectValue: count / median(smallTimes.subject),
      yardstickValue: count / median(smallTimes.yardstick),
      goal: 10,
      note: `${got} bytes of TAR; ${roundsNote(smallTimes)}`,
    },
    {
      workload: `GetBatch ${big} x 1 MiB`,
      subject: 'one GetBatch (TAR)',
      yardstick: `${big} GETs, ${inFlight} in flight`,
      unit: 'MiB/s',
      subjectValue: bigBytes / (1 << 20) / median(bigTimes.subject),
      yardstickValue: big / median(bigTimes.yardstick),
      goal: 1,
      note: roundsNote(bigTimes),
    },
  ];
}

/** A tar of about `shardBytes`: 1 MiB files, then 1,000 files of 4 KiB (the ones read). */
async function makeTar(path: string): Promise<string[]> {
  const pack = tarStream.pack();
  const written = pipeline(pack, createWriteStream(path));
  const names: string[] = [];
  const add = (name: string, data: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      pack.entry({ name, size: data.length }, data, (error) => (error ? reject(error) : resolve()));
    });
  const bigFiles = Math.max(0, Math.floor(shardBytes / (1 << 20)) - 4);
  const filler = Buffer.alloc(1 << 20, 7);
  for (let index = 0; index < bigFiles; index += 1) await add(`big/${index}.bin`, filler);
  for (let index = 0; index < 1000; index += 1) {
    const name = `small/${index}.jpg`;
    names.push(name);
    await add(name, Buffer.alloc(small, index % 251));
  }
  pack.finalize();
  await written;
  return names;
}

async function indexedReadRow(
  client: Client,
  playground: Playground,
  scratch: Scratch,
): Promise<ResultRow> {
  const path = join(scratch.dir, 'large.tar');
  const names = await makeTar(path);
  const size = statSync(path).size;
  await client.putObject(bucket, 'large.tar', { size, open: () => createReadStream(path) });
  const firstStarted = performance.now();
  await drain((await client.getFromShard(bucket, 'large.tar', { path: names[0] ?? '' })).body);
  const firstSeconds = (performance.now() - firstStarted) / 1000;
  const readFile = async (index: number): Promise<void> => {
    const name = names[(index * 7919) % names.length] ?? '';
    await drain((await client.getFromShard(bucket, 'large.tar', { path: name })).body);
  };
  const readObject = async (): Promise<void> => {
    await drain((await client.getObject(bucket, sampleName(0))).body);
  };
  // Both warmed first (the nodes' and this client's code compiled), then in rounds, the first in
  // the opposite order every other round: run after a fresh start and before the GETs, the
  // archpath reads also measured the JIT and the GETs did not.
  await timed(readsWarmUp, readFile);
  await timed(readsWarmUp, readObject);
  const turns = {
    shard: { rates: [] as number[], cpu: [] as number[] },
    get: { rates: [] as number[], cpu: [] as number[] },
  };
  const ratios: number[] = [];
  const turn = async (
    kind: { rates: number[]; cpu: number[] },
    one: (index: number) => Promise<void>,
  ): Promise<void> => {
    let seconds = 0;
    kind.cpu.push(
      await cpuMsPerItem(playground, readsPerTurn, async () => {
        seconds = await timed(readsPerTurn, one);
      }),
    );
    kind.rates.push(readsPerTurn / seconds);
  };
  for (let round = 0; round < readRounds; round += 1) {
    if (round % 2 === 1) await turn(turns.get, readObject);
    await turn(turns.shard, readFile);
    if (round % 2 === 0) await turn(turns.get, readObject);
    ratios.push((turns.shard.rates[round] ?? 0) / (turns.get.rates[round] ?? 1));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  return {
    workload: `4 KiB file of a ${(size / (1 << 30)).toFixed(2)} GiB tar`,
    subject: 'GET ?archpath (indexed)',
    yardstick: 'GET of a 4 KiB object',
    unit: 'reads/s',
    subjectValue: median(turns.shard.rates),
    yardstickValue: median(turns.get.rates),
    goal: 0.8,
    note:
      `first read (builds the index) ${firstSeconds.toFixed(1)} s; ${readsWarmUp} of each to warm up, then medians of ${readRounds} rounds of ${readsPerTurn} of each, alternating; ` +
      `rounds' ratios ${sorted[0]?.toFixed(2)}-${sorted[sorted.length - 1]?.toFixed(2)} (median ${median(ratios).toFixed(2)}); ` +
      `node CPU ${median(turns.shard.cpu).toFixed(3)} vs ${median(turns.get.cpu).toFixed(3)} ms/read`,
  };
}

/** Node CPU milliseconds per item of `work` (all node processes, user + system). */
async function cpuMsPerItem(
  playground: Playground,
  items: number,
  work: () => Promise<unknown>,
): Promise<number> {
  const before = (await playground.cpuSeconds()).total;
  await work();
  return (((await playground.cpuSeconds()).total - before) * 1000) / items;
}

const secondsOf = (values: readonly number[]): string =>
  values.map((value) => value.toFixed(2)).join(', ');

/**
 * `perTarget` archive names for each target, each the name of a shard that target owns (HRW, as
 * the job places it), the targets in turn: the warm-up jobs' shards.
 */
async function namesPerTarget(client: Client, perTarget: number): Promise<string[]> {
  const placement = new PlacementMap(await client.clusterMap({ refresh: true }));
  const byTarget = new Map<string, string[]>();
  for (let index = 0; index < 10_000; index += 1) {
    const name = `warm-up-${index}.tar`;
    const owner = placement.owner(bucket, name);
    if (owner === undefined) throw new Error('the cluster has no target');
    const names = byTarget.get(owner.daemon_id) ?? [];
    byTarget.set(owner.daemon_id, names);
    if (names.length < perTarget) names.push(name);
    if (
      byTarget.size === shape.targets &&
      [...byTarget.values()].every((list) => list.length >= perTarget)
    )
      break;
  }
  const lists = [...byTarget.values()];
  return Array.from({ length: perTarget }, (_, turn) =>
    lists.map((names) => names[turn]).filter((name) => name !== undefined),
  ).flat();
}

async function archiveRow(
  client: Client,
  playground: Playground,
  scratch: Scratch,
  files: string,
): Promise<ResultRow> {
  const seconds: number[] = [];
  const cpu: number[] = [];
  const tarSeconds: number[] = [];
  const archiveJob = async (archname: string): Promise<void> => {
    const started = performance.now();
    cpu.push(
      await cpuMsPerItem(playground, archiveObjects, async () => {
        const id = await client.jobs.archive(bucket, {
          archname,
          template: `sample-{000000..${String(archiveObjects - 1).padStart(6, '0')}}`,
        });
        // Polled often: at 100 ms the end was seen ~60 ms late, 5-10% of a run (helper arch45).
        await client.jobs.wait(id, { timeoutMs: 1_800_000, intervalMs: 10 });
      }),
    );
    seconds.push((performance.now() - started) / 1000);
  };
  const gnuTar = async (): Promise<void> => {
    const output = join(scratch.dir, 'gnu.tar');
    const started = performance.now();
    await runTool('tar', ['-cf', output, '-C', files, '.'], { timeoutMs: 600_000 });
    tarSeconds.push((performance.now() - started) / 1000);
    await rm(output, { force: true });
  };
  const warmUpNames = await namesPerTarget(client, archiveWarmUps);
  for (const name of warmUpNames) {
    await archiveJob(name);
    await gnuTar();
  }
  const warmUpSeconds = seconds.splice(0);
  cpu.splice(0);
  tarSeconds.splice(0);
  // In turns, the first in the opposite order every other run: a run's neighbour (the disk
  // flushing the last shard) falls on each in turn.
  for (let run = 0; run < archiveRuns; run += 1) {
    const job = (): Promise<void> => archiveJob(`all-${run}.tar`);
    const turns = run % 2 === 0 ? [job, gnuTar] : [gnuTar, job];
    for (const turn of turns) await turn();
  }
  return {
    workload: `archive ${archiveObjects} x 4 KiB objects into one tar`,
    subject: 'archive job',
    yardstick: 'GNU tar -cf (files on disk)',
    unit: 'objects/s',
    subjectValue: archiveObjects / median(seconds),
    yardstickValue: archiveObjects / median(tarSeconds),
    goal: 0.5,
    note: `node CPU ${median(cpu).toFixed(3)} ms/object; runs ${secondsOf(seconds)} s after ${warmUpNames.length} untimed (${archiveWarmUps} per target: ${secondsOf(warmUpSeconds)} s); tar ${secondsOf(tarSeconds)} s`,
  };
}

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  await withScratch('shards', async (scratch) => {
    const playground = await Playground.start(scratch, shape);
    const client = playground.client();
    scratch.defer(() => client.close());
    await client.createBucket(bucket);
    const files = join(scratch.dir, 'samples');
    await putSamples(client, files);
    if (rowsWanted.has('getbatch')) rows.push(...(await getBatchRows(client)));
    if (rowsWanted.has('archpath')) rows.push(await indexedReadRow(client, playground, scratch));
    if (rowsWanted.has('archive')) rows.push(await archiveRow(client, playground, scratch, files));
  });
  await publish('shards', 'Shards: GetBatch, indexed archpath reads, the archive job', rows);
}

await main();
