// Cairn's S3 API against the other S3 servers that run on this machine, in one sitting: s3rver (npm)
// and Ceph RGW (Debian's packages, started by ../shared/peers/ceph-rgw/start.sh and stopped after;
// when it cannot start, the table says so and compares with s3rver alone). Each server takes PUT and
// GET at 4 KiB, 1 MiB and 64 MiB from s3bench.mjs (concurrency 16, median of BENCH_S3_RUNS runs, 3
// by default, servers taking turns), then wrk GET over presigned URLs (4 KiB, 1 MiB). Cairn is a
// playground of 1 gateway + 2 targets, reached through the gateway. Prints figures and the ratio
// Cairn / best peer, the gateway's CPU per 4 KiB GET (/proc/PID/stat), and writes the tables into
// bench/RESULTS.md between the s3-peers markers.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3rverProcess, s3rverCredentials } from '../test/harness/s3rver.js';
import { playgroundS3Keys } from './lib/cairn-s3.js';
import { Playground } from './lib/playground.js';
import { freePortNear } from './lib/ports.js';
import { publish, ratioOf, type ResultRow } from './lib/results-table.js';
import {
  cpuMs,
  presignPaths,
  repoRoot,
  runS3bench,
  runWrkPresigned,
  startCephRgw,
  type S3benchResult,
  type S3Server,
} from './lib/s3-peers.js';
import { withScratch, type Scratch } from './lib/scratch.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 6);
const runs = Number(process.env['BENCH_S3_RUNS'] ?? 3);
const concurrency = 16;
const sizes = [
  { label: '4KiB', metric: 'ops' as const },
  { label: '1MiB', metric: 'mib' as const },
  { label: '64MiB', metric: 'mib' as const },
];
type Cell = `${'PUT' | 'GET' | 'wrk GET'} ${string}`;

/** Figures of every run: server → cell → values; and the gateway's CPU per 4 KiB GET. */
class Figures {
  readonly values = new Map<string, Map<Cell, number[]>>();
  readonly notes = new Map<string, string>();
  readonly gatewayCpu = new Map<string, number[]>();

  add(server: string, cell: Cell, value: number | undefined): void {
    const cells = this.values.get(server) ?? new Map<Cell, number[]>();
    this.values.set(server, cells);
    if (value !== undefined) cells.set(cell, [...(cells.get(cell) ?? []), value]);
  }

  median(server: string, cell: Cell): number | undefined {
    const sorted = [...(this.values.get(server)?.get(cell) ?? [])].sort((a, b) => a - b);
    if (sorted.length === 0) return undefined;
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
      ? sorted[middle]
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  }
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
}

async function gatewayCpuOf(server: S3Server): Promise<number | undefined> {
  const pid = server.pids['gateway'];
  return pid === undefined ? undefined : await cpuMs(pid);
}

async function measured(
  scratch: Scratch,
  server: S3Server,
  args: readonly string[],
): Promise<S3benchResult> {
  const result = await runS3bench(scratch, server, args);
  if (result === undefined) throw new Error('s3bench measured nothing');
  return result;
}

/** A short PUT and GET of small objects, so no server is measured cold (RGW's first writes). */
async function warmUp(scratch: Scratch, server: S3Server): Promise<void> {
  await runS3bench(scratch, server, [
    ...['--bucket', 'warm-up', '--size', '4KiB', '--concurrency', String(concurrency)],
    ...['--ops', 'put,get', '--duration', '3'],
  ]).catch(() => undefined);
}

/** PUT for `seconds` into a fresh bucket, then GET of what was written; both with s3bench. */
async function measurePutGet(
  scratch: Scratch,
  server: S3Server,
  size: (typeof sizes)[number],
  run: number,
  figures: Figures,
): Promise<void> {
  const bucket = `peers-${size.label.toLowerCase()}-${run}`;
  const common = ['--size', size.label, '--concurrency', String(concurrency)];
  const figure = (result: { obj_per_s: number; MiB_per_s: number; errors: number }) =>
    result.errors > 0 ? undefined : size.metric === 'ops' ? result.obj_per_s : result.MiB_per_s;
  try {
    const put = await measured(scratch, server, [
      ...common,
      ...['--bucket', bucket, '--keep', '--ops', 'put', '--duration', String(seconds)],
      ...['--max-bytes', size.label === '64MiB' ? '3GiB' : '2GiB'],
    ]);
    figures.add(server.name, `PUT ${size.label}`, figure(put));
    if (put.errors > 0) figures.notes.set(server.name, `PUT errors: ${put.first_error ?? ''}`);
    const cpuBefore = await gatewayCpuOf(server);
    const get = await measured(scratch, server, [
      ...common,
      ...['--bucket', bucket, '--no-bucket', '--keep', '--ops', 'get'],
      ...['--objects', String(put.ops), '--duration', String(seconds)],
    ]);
    const cpuAfter = await gatewayCpuOf(server);
    figures.add(server.name, `GET ${size.label}`, figure(get));
    if (get.errors > 0) figures.notes.set(server.name, `GET errors: ${get.first_error ?? ''}`);
    if (size.label === '4KiB' && cpuBefore !== undefined && cpuAfter !== undefined && get.ops > 0) {
      const perGet = (cpuAfter - cpuBefore) / get.ops;
      figures.gatewayCpu.set('GET', [...(figures.gatewayCpu.get('GET') ?? []), perGet]);
    }
  } catch (error) {
    figures.notes.set(server.name, error instanceof Error ? error.message : String(error));
  }
}

/** wrk over 256 presigned URLs per server (filled once per size), `runs` times, servers in turn. */
async function measureWrk(
  scratch: Scratch,
  servers: readonly S3Server[],
  size: (typeof sizes)[number],
  figures: Figures,
): Promise<void> {
  const paths = new Map<string, string>();
  for (const server of servers) {
    const bucket = `wrk-${size.label.toLowerCase()}`;
    try {
      await runS3bench(scratch, server, [
        ...['--bucket', bucket, '--keep', '--quiet', '--ops', 'fill', '--objects', '256'],
        ...['--size', size.label, '--concurrency', String(concurrency)],
      ]);
      paths.set(server.name, await presignPaths(scratch, server, bucket, 256));
    } catch (error) {
      figures.notes.set(server.name, error instanceof Error ? error.message : String(error));
    }
  }
  for (let run = 0; run < runs; run += 1) {
    for (const server of rotate(servers, run)) {
      const file = paths.get(server.name);
      if (file === undefined) continue;
      const cpuBefore = await gatewayCpuOf(server);
      const result = await runWrkPresigned(server, file, seconds).catch(() => undefined);
      const cpuAfter = await gatewayCpuOf(server);
      const value =
        result === undefined || result.errors > 0
          ? undefined
          : size.metric === 'ops'
            ? result.requestsPerSecond
            : result.mibPerSecond;
      figures.add(server.name, `wrk GET ${size.label}`, value);
      if (size.label === '4KiB' && result !== undefined && cpuBefore !== undefined) {
        const requests = result.requestsPerSecond * seconds;
        const perGet = ((cpuAfter ?? cpuBefore) - cpuBefore) / Math.max(1, requests);
        figures.gatewayCpu.set('wrk GET', [...(figures.gatewayCpu.get('wrk GET') ?? []), perGet]);
      }
    }
  }
}

/** `servers` starting at a different one each run, so none always goes first. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function startServers(scratch: Scratch): Promise<{ servers: S3Server[]; notes: string[] }> {
  const notes: string[] = [];
  const playground = await Playground.start(scratch);
  const state = JSON.parse(await readFile(join(playground.dir, 'playground.json'), 'utf8')) as {
    nodes: Array<{ name: string; role: string; pid: number }>;
  };
  const pids: Record<string, number> = {};
  for (const node of state.nodes) pids[node.role === 'proxy' ? 'gateway' : node.name] = node.pid;
  const cairn: S3Server = {
    name: 'Cairn S3',
    endpoint: playground.endpoint,
    ...playgroundS3Keys,
    pids,
  };
  const s3rver = await S3rverProcess.start(join(scratch.dir, 's3rver'));
  scratch.defer(() => s3rver.stop());
  const servers: S3Server[] = [
    cairn,
    {
      name: 's3rver',
      endpoint: s3rver.endpoint,
      ...s3rverCredentials,
      pids: s3rver.child.pid === undefined ? {} : { s3rver: s3rver.child.pid },
    },
  ];
  const ceph = await startCephRgw(scratch, await freePortNear(33_000));
  if (typeof ceph === 'string') notes.push(`${ceph}; compared with s3rver alone`);
  else servers.push(ceph);
  return { servers, notes };
}

function unitOf(cell: Cell): string {
  return cell.endsWith(' 4KiB') ? 'ops/s' : 'MiB/s';
}

function goalOf(cell: Cell): number {
  return /GET (4KiB|1MiB)$/.test(cell) ? 1.5 : 1;
}

function resultRows(servers: readonly S3Server[], figures: Figures): ResultRow[] {
  const cells: Cell[] = [];
  for (const size of sizes) cells.push(`PUT ${size.label}`, `GET ${size.label}`);
  cells.push('wrk GET 4KiB', 'wrk GET 1MiB');
  const peers = servers.filter((server) => server.name !== 'Cairn S3');
  return cells.map((cell) => {
    const best = peers
      .map((peer) => ({ name: peer.name, value: figures.median(peer.name, cell) }))
      .filter((peer) => peer.value !== undefined)
      .sort((a, b) => (b.value ?? 0) - (a.value ?? 0))[0];
    const note = figures.notes.get('Cairn S3');
    return {
      workload: cell,
      subject: 'Cairn S3',
      yardstick: best === undefined ? 'best peer' : `best peer (${best.name})`,
      unit: unitOf(cell),
      subjectValue: figures.median('Cairn S3', cell),
      yardstickValue: best?.value,
      goal: goalOf(cell),
      ...(note === undefined ? {} : { note }),
    };
  });
}

function formatFigure(value: number | undefined): string {
  if (value === undefined) return '–';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

/** The markdown written into bench/RESULTS.md: every server's figures, then the ratios. */
function markdown(
  servers: readonly S3Server[],
  figures: Figures,
  rows: readonly ResultRow[],
  notes: readonly string[],
  load: string,
): string {
  const lines = [
    `Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ` +
      `${load} at the end; s3bench.mjs, concurrency ${concurrency}, median of ${runs} ` +
      `runs of ${seconds} s; wrk \`-t2 -c32\` over 256 presigned URLs. The machine is shared ` +
      `with other jobs: absolute figures move with their load from run to run; the ratios ` +
      `compare servers measured back to back in the same run.`,
    ...notes.map((note) => `\n${note}.`),
    '',
    '| size | server | PUT | GET | wrk GET |',
    '|---|---|---:|---:|---:|',
  ];
  for (const size of sizes) {
    for (const server of servers) {
      const cell = (name: Cell): string => formatFigure(figures.median(server.name, name));
      const wrk = size.label === '64MiB' ? '–' : cell(`wrk GET ${size.label}`);
      lines.push(
        `| ${size.label} | ${server.name} | ${cell(`PUT ${size.label}`)} | ${cell(`GET ${size.label}`)} | ${wrk} |`,
      );
    }
  }
  lines.push('', '4 KiB in objects/s, 1 MiB and 64 MiB in MiB/s.', '');
  lines.push('| cell | Cairn / best peer | goal |', '|---|---:|---|');
  for (const row of rows) {
    const ratio = ratioOf(row);
    const verdict = ratio === undefined ? '' : ratio >= (row.goal ?? 1) ? ' ok' : ' **short**';
    lines.push(
      `| ${row.workload} against ${row.yardstick.replace(/^best peer \((.*)\)$/, '$1')} | ${ratio === undefined ? '–' : ratio.toFixed(2)} | >= ${row.goal?.toFixed(1)}${verdict} |`,
    );
  }
  const cpu = (phase: string): string => {
    const value = median(figures.gatewayCpu.get(phase) ?? []);
    return value === undefined ? '–' : `${value.toFixed(3)} ms`;
  };
  lines.push(
    '',
    `Gateway CPU per 4 KiB S3 GET (user + system, /proc/PID/stat over the run; goal <= 0.25 ms): ` +
      `${cpu('GET')} under s3bench, ${cpu('wrk GET')} under wrk.`,
  );
  return lines.join('\n');
}

async function writeResults(text: string): Promise<void> {
  const file = join(repoRoot, 'bench', 'RESULTS.md');
  const begin = '<!-- s3-peers:begin (written by `BENCH_ONLY=s3-peers npm run bench`) -->';
  const end = '<!-- s3-peers:end -->';
  const current = await readFile(file, 'utf8');
  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  const section = `${begin}\n${text}\n${end}`;
  const next =
    start >= 0 && stop > start
      ? `${current.slice(0, start)}${section}${current.slice(stop + end.length)}`
      : `${current.trimEnd()}\n\n## S3 against other S3 servers (\`s3-peers\`)\n\n${section}\n`;
  await writeFile(file, next);
}

async function main(): Promise<void> {
  await withScratch('s3-peers', async (scratch) => {
    const { servers, notes } = await startServers(scratch);
    process.stderr.write(`s3-peers: ${servers.map((server) => server.name).join(', ')}\n`);
    const figures = new Figures();
    for (const server of servers) await warmUp(scratch, server);
    for (const size of sizes) {
      for (let run = 0; run < runs; run += 1) {
        for (const server of rotate(servers, run)) {
          await measurePutGet(scratch, server, size, run, figures);
        }
      }
      if (size.label !== '64MiB') await measureWrk(scratch, servers, size, figures);
      process.stderr.write(`s3-peers: ${size.label} done\n`);
    }
    const rows = resultRows(servers, figures);
    const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0] ?? '?';
    const text = markdown(servers, figures, rows, notes, load);
    await publish('s3-peers', 'Cairn S3 vs other S3 servers (same run)', rows);
    process.stdout.write(`\n${text}\n`);
    await writeResults(text);
  });
}

await main();
