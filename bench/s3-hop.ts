// The gateway's proxy hop for S3 object bodies, A/B: CPU of the gateway process per request (4 KiB
// GET) and per MiB (1 MiB and 64 MiB GET and PUT), split into its main thread and its other threads
// (V8's helpers: concurrent marking and sweeping), and the same for the targets together (a PUT's
// cost is mostly on its owner: MD5, checksum, file writes), this build against another one in the
// same sitting. Both playgrounds run side by side; their phases alternate, the order flipping each round,
// so that a shared machine's load falls on both alike. CPU per request is steadier under load than
// throughput (docs/profiling.md), so it is the figure compared; the ratio is this build / baseline.
//
//   BENCH_BASELINE_ENTRY=/path/to/other/dist/src/bin/cairn.js node dist/bench/s3-hop.js \
//     [--rounds 3] [--seconds 5] [--only "GET 1 MiB,PUT 64 MiB"]
//
// Without BENCH_BASELINE_ENTRY it measures this build alone (no ratio). BENCH_THIS_NODE_OPTIONS
// gives this build's nodes their own Node.js flags (e.g. "--initial-old-space-size=256"), for an
// A/B of a flag; BENCH_NODE_OPTIONS still applies to both sides otherwise.
import { readdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readState } from '../src/cli/playground/state.js';
import { playgroundS3Keys } from './lib/cairn-s3.js';
import { Playground, baselineBuild } from './lib/playground.js';
import { cpuMs, runS3bench, type S3Server } from './lib/s3-peers.js';
import { withScratch, type Scratch } from './lib/scratch.js';
import { median } from './lib/median.js';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    only: { type: 'string' },
  },
});
const rounds = Number(options.rounds);
const seconds = Number(process.env['BENCH_SECONDS'] ?? options.seconds);

interface Workload {
  name: string;
  size: string;
  sizeMiB: number;
  op: 'get' | 'put';
  /** Objects written first for GETs to read. */
  objects: number;
  /** CPU reported per request (4 KiB) or per MiB. */
  per: 'request' | 'MiB';
}

const allWorkloads: Workload[] = [
  { name: 'GET 4 KiB', size: '4KiB', sizeMiB: 1 / 256, op: 'get', objects: 512, per: 'request' },
  { name: 'GET 1 MiB', size: '1MiB', sizeMiB: 1, op: 'get', objects: 128, per: 'MiB' },
  { name: 'PUT 1 MiB', size: '1MiB', sizeMiB: 1, op: 'put', objects: 0, per: 'MiB' },
  { name: 'PUT 64 MiB', size: '64MiB', sizeMiB: 64, op: 'put', objects: 0, per: 'MiB' },
  { name: 'GET 64 MiB', size: '64MiB', sizeMiB: 64, op: 'get', objects: 4, per: 'MiB' },
];

const only = options.only?.split(',').map((name) => name.trim());
const workloads = allWorkloads.filter((workload) => only?.includes(workload.name) ?? true);
if (workloads.length === 0)
  throw new Error(`--only names none of ${allWorkloads.map((w) => w.name).join(', ')}`);

/** The processes whose CPU is counted apart: the gateway, and the targets summed. */
type Role = 'gateway' | 'targets';
const roles: readonly Role[] = ['gateway', 'targets'];

/** CPU milliseconds of processes' threads so far: their main threads, and all the others. */
async function threadCpuMs(pids: readonly number[]): Promise<{ main: number; others: number }> {
  const totals = { main: 0, others: 0 };
  for (const pid of pids) {
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      // A thread may end between the listing and the read.
      const ms = await cpuMs(pid, Number(tid)).catch(() => 0);
      if (Number(tid) === pid) totals.main += ms;
      else totals.others += ms;
    }
  }
  return totals;
}

type Figure = { main: number; others: number; rate: number };

interface Side {
  name: string;
  server: S3Server;
  pids: Record<Role, number[]>;
  /** Per role and workload: CPU per unit of each phase (main threads, others), and its rate. */
  figures: Record<Role, Map<string, Figure[]>>;
}

async function startSide(scratch: Scratch, name: string, baseline: boolean): Promise<Side> {
  const flags = process.env['BENCH_THIS_NODE_OPTIONS'];
  const env =
    baseline || flags === undefined ? process.env : { ...process.env, BENCH_NODE_OPTIONS: flags };
  const playground = await Playground.start(
    scratch,
    undefined,
    env,
    baseline ? baselineBuild() : {},
  );
  const state = await readState(playground.dir);
  const pids: Record<Role, number[]> = { gateway: [], targets: [] };
  for (const node of state?.nodes ?? []) {
    if (node.pid === null) throw new Error(`${node.name} is not running`);
    pids[node.role === 'proxy' ? 'gateway' : 'targets'].push(node.pid);
  }
  if (pids.gateway.length !== 1) throw new Error('no gateway process');
  const perWorkload = (): Map<string, Figure[]> =>
    new Map(workloads.map((workload) => [workload.name, []]));
  return {
    name,
    server: { name, endpoint: playground.endpoint, ...playgroundS3Keys, pids: {} },
    pids,
    figures: { gateway: perWorkload(), targets: perWorkload() },
  };
}

async function fill(scratch: Scratch, side: Side, workload: Workload): Promise<void> {
  if (workload.objects === 0) return;
  await runS3bench(scratch, side.server, [
    ...['--bucket', bucketOf(workload), '--size', workload.size, '--concurrency', '16'],
    ...['--ops', 'fill', '--objects', String(workload.objects), '--keep', '--quiet'],
  ]);
}

function bucketOf(workload: Workload): string {
  return `hop-${workload.size.toLowerCase()}`;
}

async function phase(scratch: Scratch, side: Side, workload: Workload): Promise<void> {
  const before = await Promise.all(roles.map((role) => threadCpuMs(side.pids[role])));
  const result = await runS3bench(scratch, side.server, [
    ...['--bucket', bucketOf(workload), '--size', workload.size, '--concurrency', '16'],
    ...['--ops', workload.op, '--duration', String(seconds), '--keep', '--quiet'],
    ...(workload.op === 'get' ? ['--objects', String(workload.objects), '--no-bucket'] : []),
  ]);
  const after = await Promise.all(roles.map((role) => threadCpuMs(side.pids[role])));
  if (result === undefined || result.ops === 0) throw new Error(`${workload.name}: no requests`);
  if (result.errors > 0) throw new Error(`${workload.name}: ${result.first_error ?? 'errors'}`);
  const units = workload.per === 'request' ? result.ops : result.ops * workload.sizeMiB;
  roles.forEach((role, index) => {
    const [start, end] = [before[index], after[index]];
    if (start === undefined || end === undefined) return;
    side.figures[role].get(workload.name)?.push({
      main: (end.main - start.main) / units,
      others: (end.others - start.others) / units,
      rate: workload.per === 'request' ? result.obj_per_s : result.MiB_per_s,
    });
  });
}

/** The gateway's resident set now and at its peak (VmRSS, VmHWM), in MiB. */
async function residentMiB(pid: number): Promise<string> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
  return `${(kib('VmRSS') / 1024).toFixed(0)} MiB (peak ${(kib('VmHWM') / 1024).toFixed(0)} MiB)`;
}

function report(sides: Side[], role: Role): void {
  const [current, baseline] = sides;
  if (current === undefined) return;
  console.log(
    `\ns3-hop: ${role} CPU (main thread + other threads, ms), medians of ${rounds} rounds of ${seconds} s, ` +
      `load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')} at the end\n`,
  );
  const header = ['workload', 'unit', ...sides.map((side) => `${side.name} main + others = total`)];
  if (baseline !== undefined) header.push('total this / baseline', 'others this / baseline');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const workload of workloads) {
    const cells = [workload.name, workload.per === 'request' ? 'per GET' : 'per MiB'];
    const totals: number[] = [];
    const others: number[] = [];
    for (const side of sides) {
      const figures = side.figures[role].get(workload.name) ?? [];
      const main = median(figures.map((figure) => figure.main));
      const other = median(figures.map((figure) => figure.others));
      const total = median(figures.map((figure) => figure.main + figure.others));
      const rate = median(figures.map((figure) => figure.rate));
      totals.push(total);
      others.push(other);
      const unit = workload.per === 'request' ? 'GET/s' : 'MiB/s';
      cells.push(
        `${main.toFixed(3)} + ${other.toFixed(3)} = ${total.toFixed(3)} (${rate.toFixed(0)} ${unit})`,
      );
    }
    if (baseline !== undefined) {
      cells.push(
        ((totals[0] ?? 0) / (totals[1] ?? 1)).toFixed(2),
        ((others[0] ?? 0) / (others[1] ?? 1)).toFixed(2),
      );
    }
    console.log(`| ${cells.join(' | ')} |`);
  }
}

await withScratch('s3-hop', async (scratch) => {
  const sides = [await startSide(scratch, 'this build', false)];
  if (process.env['BENCH_BASELINE_ENTRY'] !== undefined)
    sides.push(await startSide(scratch, 'baseline', true));
  for (const workload of workloads) for (const side of sides) await fill(scratch, side, workload);
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const workload of workloads)
      for (const side of order) await phase(scratch, side, workload);
  }
  for (const role of roles) report(sides, role);
  for (const side of sides) {
    for (const [role, pids] of Object.entries(side.pids)) {
      for (const pid of pids)
        console.log(`\n${side.name}: ${role} ${pid} resident set ${await residentMiB(pid)}`);
    }
  }
});
