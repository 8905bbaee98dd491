// dSort throughput on a playground of 3 targets against GNU tar on the same shards in the same
// run: the yardstick extracts every input shard (`tar -xf`) into one directory and packs it back
// sorted by name (`tar -cf --sort=name`), one process at a time on local disk. Two datasets:
// - many small records: 20,000 records (a ~1 KiB `.bin` and a `.cls` each) in 40 shards, output
//   shards of 1 MiB (BENCH_DSORT_SMALL_RECORDS);
// - large records: 10,000 records of ~100 KiB (1 GiB) in 100 shards, output shards of 16 MiB,
//   `max_mem_usage` 200 MiB so that records spill (BENCH_DSORT_RECORDS, BENCH_DSORT_RECORD_KIB).
// Reported: records/s (the ratio), MiB/s, CPU seconds of the nodes during the job against those of
// the tar processes (steadier than rates on a shared machine), and the targets' peak RSS (VmHWM)
// during the job (reset after the input PUTs).
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readState } from '../src/cli/playground/state.js';
import type { Client } from '../src/sdk/index.js';
import { Playground } from './lib/playground.js';
import { runTool } from './lib/processes.js';
import { cpuMs } from './lib/s3-peers.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch, type Scratch } from './lib/scratch.js';

const shape = { proxies: 1, targets: 3, mountpaths: 1 };
const mib = 1 << 20;

interface Workload {
  name: string;
  records: number;
  shards: number;
  recordBytes: number;
  outputShardSize: string;
  maxMemUsage?: string;
}

const workloads: Workload[] = [
  {
    name: 'small',
    records: Number(process.env['BENCH_DSORT_SMALL_RECORDS'] ?? 20_000),
    shards: 40,
    recordBytes: 1024,
    outputShardSize: '1MiB',
  },
  {
    name: 'large',
    records: Number(process.env['BENCH_DSORT_RECORDS'] ?? 10_000),
    shards: 100,
    recordBytes: Number(process.env['BENCH_DSORT_RECORD_KIB'] ?? 100) * 1024,
    outputShardSize: '16MiB',
    maxMemUsage: '200MiB',
  },
];

/**
 * Writes the workload's records (keys in a scrambled order across shards) and packs each shard
 * with GNU tar; returns the shard paths and the bytes of all files.
 */
async function makeShards(
  workload: Workload,
  dir: string,
): Promise<{ paths: string[]; bytes: number }> {
  const perShard = Math.ceil(workload.records / workload.shards);
  const paths: string[] = [];
  let bytes = 0;
  for (let shard = 0; shard < workload.shards; shard += 1) {
    const root = join(dir, `src-${shard}`);
    mkdirSync(join(root, 'd'), { recursive: true });
    const names: string[] = [];
    for (let index = 0; index < perShard; index += 1) {
      // A bijection of 0..records-1 (7919 is prime): neighbours land in different shards.
      const number = ((shard * perShard + index) * 7919) % (perShard * workload.shards);
      const key = `d/r-${String(number).padStart(7, '0')}`;
      const body = randomBytes(workload.recordBytes);
      writeFileSync(join(root, `${key}.bin`), body);
      writeFileSync(join(root, `${key}.cls`), String(number % 10));
      names.push(`${key}.bin`, `${key}.cls`);
      bytes += body.length + 1;
    }
    const path = join(dir, `in-${String(shard).padStart(3, '0')}.tar`);
    await runTool('tar', ['-cf', path, '-C', root, ...names], { timeoutMs: 600_000 });
    await rm(root, { recursive: true, force: true });
    paths.push(path);
  }
  return { paths, bytes };
}

/** GNU tar: every shard extracted into one directory, then packed sorted by name. */
async function yardstickSeconds(paths: readonly string[], dir: string): Promise<number> {
  const extracted = join(dir, 'extracted');
  mkdirSync(extracted, { recursive: true });
  const started = performance.now();
  for (const path of paths)
    await runTool('tar', ['-xf', path, '-C', extracted], { timeoutMs: 600_000 });
  await runTool('tar', ['-cf', join(dir, 'sorted.tar'), '--sort=name', '-C', extracted, '.'], {
    timeoutMs: 600_000,
  });
  const seconds = (performance.now() - started) / 1000;
  await rm(extracted, { recursive: true, force: true });
  await rm(join(dir, 'sorted.tar'), { force: true });
  return seconds;
}

/** The playground's node processes: role and PID. */
async function nodeProcesses(
  playground: Playground,
): Promise<Array<{ role: string; pid: number }>> {
  const state = await readState(playground.dir);
  return (state?.nodes ?? []).flatMap((node) =>
    node.pid === null ? [] : [{ role: node.role, pid: node.pid }],
  );
}

/** The highest peak resident set size (VmHWM) of the playground's targets, in MiB. */
async function targetPeakRssMiB(playground: Playground): Promise<number> {
  let peak = 0;
  for (const node of await nodeProcesses(playground)) {
    if (node.role === 'proxy') continue;
    const status = await readFile(`/proc/${node.pid}/status`, 'utf8');
    const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kib / 1024);
  }
  return peak;
}

/**
 * Resets the targets' peak RSS (`5` to /proc/PID/clear_refs, Linux 4.0+) so that the peak read
 * after the job is the job's own, not the input PUTs'; returns the peak before the reset, in MiB.
 */
async function resetTargetPeakRss(playground: Playground): Promise<number> {
  const before = await targetPeakRssMiB(playground);
  for (const node of await nodeProcesses(playground))
    if (node.role !== 'proxy') await writeFile(`/proc/${node.pid}/clear_refs`, '5');
  return before;
}

/** The highest resident set size (VmRSS) of the playground's targets now, in MiB. */
async function targetRssMiB(playground: Playground): Promise<number> {
  let highest = 0;
  for (const node of await nodeProcesses(playground)) {
    if (node.role === 'proxy') continue;
    const status = await readFile(`/proc/${node.pid}/status`, 'utf8');
    highest = Math.max(highest, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  }
  return highest;
}

/** User + system CPU seconds of the playground's nodes (gateways and targets) so far. */
async function nodesCpuSeconds(playground: Playground): Promise<number> {
  let ms = 0;
  for (const node of await nodeProcesses(playground)) ms += await cpuMs(node.pid);
  return ms / 1000;
}

/**
 * User + system CPU seconds of this process's finished children (cutime + cstime in
 * /proc/self/stat): the tar processes of the yardstick, once each has been waited for.
 */
async function childrenCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // clock ticks at USER_HZ = 100
}

async function dsortRow(
  client: Client,
  playground: Playground,
  scratch: Scratch,
  workload: Workload,
): Promise<ResultRow> {
  const dir = join(scratch.dir, workload.name);
  mkdirSync(dir, { recursive: true });
  const { paths, bytes } = await makeShards(workload, dir);
  const input = { name: `dsort-${workload.name}`, provider: 'ais' };
  await client.createBucket(input);
  for (const path of paths) {
    const size = statSync(path).size;
    const name = path.slice(path.lastIndexOf('/') + 1);
    await client.putObject(input, name, { size, open: () => createReadStream(path) });
  }
  const records = Math.ceil(workload.records / workload.shards) * workload.shards;
  const putPeakRss = await resetTargetPeakRss(playground);
  const startRss = await targetRssMiB(playground);
  const cpuBefore = await nodesCpuSeconds(playground);
  const started = performance.now();
  const id = await client.dsort.start({
    input_bck: input,
    input_format: { template: `in-{000..${String(workload.shards - 1).padStart(3, '0')}}.tar` },
    output_bck: { name: `dsort-${workload.name}-out` },
    output_format: 'out-{00000..99999}.tar',
    output_shard_size: workload.outputShardSize,
    ...(workload.maxMemUsage === undefined ? {} : { max_mem_usage: workload.maxMemUsage }),
  });
  const metrics = await client.dsort.wait(id, { timeoutMs: 3_600_000 });
  const dsortSeconds = (performance.now() - started) / 1000;
  const dsortCpu = (await nodesCpuSeconds(playground)) - cpuBefore;
  const errors = Object.values(metrics).flatMap((info) => info.Metrics.errors ?? []);
  if (errors.length > 0) throw new Error(`dsort ${id} failed: ${errors.join('; ')}`);
  const spilled = Object.values(metrics).reduce(
    (total, info) => total + Number(info.Metrics.local_extraction.extracted_to_disk_size),
    0,
  );
  const peakRss = await targetPeakRssMiB(playground);
  const tarCpuBefore = await childrenCpuSeconds();
  const tarSeconds = await yardstickSeconds(paths, dir);
  const tarCpu = (await childrenCpuSeconds()) - tarCpuBefore;
  await rm(dir, { recursive: true, force: true });
  const memory =
    workload.maxMemUsage === undefined ? '' : `, max_mem_usage ${workload.maxMemUsage}`;
  return {
    workload: `dsort ${records} records x ${workload.recordBytes / 1024} KiB, ${workload.shards} shards`,
    subject: `dsort (3 targets)`,
    yardstick: 'GNU tar -x, tar -c --sort=name',
    unit: 'records/s',
    subjectValue: records / dsortSeconds,
    yardstickValue: records / tarSeconds,
    goal: 0.3,
    note:
      `${(bytes / mib / dsortSeconds).toFixed(1)} vs ${(bytes / mib / tarSeconds).toFixed(1)} MiB/s; ` +
      `CPU ${dsortCpu.toFixed(1)} s (gateway + targets) vs ${tarCpu.toFixed(1)} s (tar); ` +
      `target peak RSS ${peakRss.toFixed(0)} MiB during the job${memory} ` +
      `(${startRss.toFixed(0)} MiB at its start, ${putPeakRss.toFixed(0)} MiB during the input PUTs); spilled ${(spilled / mib).toFixed(0)} MiB`,
  };
}

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  for (const workload of workloads.filter((item) => item.records > 0))
    await withScratch(`dsort-${workload.name}`, async (scratch) => {
      // A fresh playground per dataset: the peak RSS is that dataset's.
      const playground = await Playground.start(scratch, shape);
      const client = playground.client();
      scratch.defer(() => client.close());
      rows.push(await dsortRow(client, playground, scratch, workload));
    });
  await publish('dsort', 'dSort: resharding against GNU tar', rows);
}

await main();
