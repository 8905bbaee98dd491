// The first listing of freshly started nodes against the next ones, A/B in one sitting: a
// playground of this build and (with BENCH_BASELINE_ENTRY) one of another, the same empty objects
// written into each; every round restarts each playground's nodes (their data kept) and lists the
// bucket BENCH_LIST_PASSES times through the SDK, the builds alternating and the order reversed
// every round. Per listing: entries/s, CPU per entry of the targets and the gateway (all threads,
// and their main threads) from /proc, and the connections opened to the targets' intra ports while
// it ran (docs/profiling.md "Listing, seventh pass"). BENCH_PERF_DIR: a `perf record -e cpu-clock
// -g` of the first target and of the gateway over each listing, written there (nodes started with
// BENCH_NODE_OPTIONS=--perf-basic-prof name the JIT's functions); BENCH_PERF_EVENTS instead counts
// those events with `perf stat` (e.g. syscalls:sys_enter_newfstatat,page-faults).
// BENCH_THIS_NODE_OPTIONS gives this build's nodes their own Node.js flags instead of
// BENCH_NODE_OPTIONS: with BENCH_BASELINE_ENTRY naming this same build, an A/B of a flag.
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeObjectsDirectly } from './lib/direct-objects.js';
import { median } from './lib/median.js';
import { Playground, baselineBuild, benchShape } from './lib/playground.js';
import { cairnEntry, runCairn, runTool } from './lib/processes.js';
import { cpuMs } from './lib/s3-peers.js';
import { withScratch } from './lib/scratch.js';

const objectCount = Number(process.env['BENCH_LIST_OBJECTS'] ?? 200_000);
const rounds = Number(process.env['BENCH_LIST_ROUNDS'] ?? 4);
const passes = Number(process.env['BENCH_LIST_PASSES'] ?? 2);
const perDirectory = Number(process.env['BENCH_LIST_PER_DIRECTORY'] ?? 1000);
const bucket = { name: 'listing', provider: 'ais' };

interface Nodes {
  targets: number[];
  gateway: number;
  intraPorts: number[];
}

async function nodesOf(dir: string): Promise<Nodes> {
  const state = JSON.parse(await readFile(join(dir, 'playground.json'), 'utf8')) as {
    nodes: { role: string; pid: number; intraPort: number }[];
  };
  const gateway = state.nodes.find((node) => node.role === 'proxy')?.pid;
  if (gateway === undefined) throw new Error('no gateway');
  const targets = state.nodes.filter((node) => node.role === 'target');
  return {
    targets: targets.map((node) => node.pid),
    gateway,
    intraPorts: targets.map((node) => node.intraPort),
  };
}

/** The client-side ports of every TCP connection (any state) to one of `ports`. */
async function connectionsTo(ports: number[]): Promise<Set<string>> {
  const { stdout } = await runTool('ss', ['-Htan'], { timeoutMs: 10_000 });
  const keys = new Set<string>();
  for (const line of stdout.split('\n')) {
    const [, , , local = '', peer = ''] = line.trim().split(/\s+/);
    const localPort = Number(local.slice(local.lastIndexOf(':') + 1));
    const peerPort = Number(peer.slice(peer.lastIndexOf(':') + 1));
    if (ports.includes(localPort)) keys.add(`${peerPort}>${localPort}`);
    else if (ports.includes(peerPort)) keys.add(`${localPort}>${peerPort}`);
  }
  return keys;
}

async function cpu(nodes: Nodes): Promise<number[]> {
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  return [
    sum(await Promise.all(nodes.targets.map((pid) => cpuMs(pid)))),
    sum(await Promise.all(nodes.targets.map((pid) => cpuMs(pid, pid)))),
    await cpuMs(nodes.gateway),
    await cpuMs(nodes.gateway, nodes.gateway),
  ];
}

/** CPU ms of each thread of `pid`, by thread id. */
async function threadCpu(pid: number): Promise<Map<number, number>> {
  const threads = (await readdir(`/proc/${pid}/task`)).map(Number).sort((a, b) => a - b);
  return new Map(
    await Promise.all(threads.map(async (tid) => [tid - pid, await cpuMs(pid, tid)] as const)),
  );
}

function threadDeltas(before: Map<number, number>, after: Map<number, number>): string {
  return [...after]
    .map(([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .map(([tid, ms]) => `+${tid}:${ms}`)
    .join(' ');
}

const pagesSampled = process.env['BENCH_LIST_PAGE_CPU'] !== undefined;
const pageEntries = 10_000;

/**
 * CPU us per entry of the targets and the gateway over bands of pages (the first page, 2-5, 6-20,
 * the rest), from the CPU read before the listing and after each page: where in a listing a fresh
 * node's extra cost lands. A page's figure includes the read-ahead its target ran for the next.
 */
function pageBands(readings: number[][]): string {
  const bands = [
    [0, 1],
    [1, 5],
    [5, 20],
    [20, readings.length - 1],
  ];
  return bands
    .filter(([from = 0, to = 0]) => to > from && to < readings.length)
    .map(([from = 0, to = 0]) => {
      const perEntry = (column: number): string =>
        (
          (((readings[to]?.[column] ?? 0) - (readings[from]?.[column] ?? 0)) * 1000) /
          ((to - from) * pageEntries)
        ).toFixed(2);
      return `pages ${from + 1}-${to}: target ${perEntry(0)} gateway ${perEntry(2)}`;
    })
    .join('; ');
}

/** The Node.js flags of one side's nodes: BENCH_THIS_NODE_OPTIONS for this build's, if set. */
function nodeOptionsOf(label: string): string | undefined {
  const own = label === 'new' ? process.env['BENCH_THIS_NODE_OPTIONS'] : undefined;
  return own ?? process.env['BENCH_NODE_OPTIONS'];
}

async function restart(playground: Playground, entry: string, options?: string): Promise<void> {
  const port = new URL(playground.endpoint).port;
  const stop = await runCairn(['playground', 'stop', '--dir', playground.dir], { entry });
  if (stop.code !== 0) throw new Error(`stop: ${stop.stderr}`);
  const start = await runCairn(
    [
      'playground',
      'start',
      '--dir',
      playground.dir,
      '--port',
      port,
      '--proxies',
      String(benchShape.proxies),
      '--targets',
      String(benchShape.targets),
      '--mountpaths',
      String(benchShape.mountpaths),
      ...(options === undefined ? [] : ['--node-options', options]),
    ],
    { entry },
  );
  if (start.code !== 0) throw new Error(`start: ${start.stderr}`);
}

async function main(): Promise<void> {
  await withScratch('list-first', async (scratch) => {
    const baseline = baselineBuild().build;
    const builds = [
      {
        label: 'new',
        entry: cairnEntry,
        playground: await Playground.start(
          scratch,
          undefined,
          process.env['BENCH_THIS_NODE_OPTIONS'] === undefined
            ? process.env
            : { ...process.env, BENCH_NODE_OPTIONS: process.env['BENCH_THIS_NODE_OPTIONS'] },
        ),
      },
      ...(baseline === undefined
        ? []
        : [
            {
              label: 'base',
              entry: baseline.entry,
              playground: await Playground.start(scratch, undefined, undefined, {
                build: baseline,
              }),
            },
          ]),
    ];
    for (const { label, playground } of builds) {
      const client = playground.client();
      try {
        await client.createBucket(bucket);
        await writeObjectsDirectly(playground, client, {
          bucket,
          count: objectCount,
          nameOf: (index) =>
            `shard-${String(Math.floor(index / perDirectory)).padStart(4, '0')}/object-${String(index).padStart(7, '0')}`,
          label,
        });
      } finally {
        await client.close();
      }
    }
    const figures = new Map<string, number[]>();
    const record = (key: string, value: number): void => {
      figures.set(key, [...(figures.get(key) ?? []), value]);
    };
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? builds : [...builds].reverse();
      for (const { label, entry, playground } of order) {
        await restart(playground, entry, nodeOptionsOf(label));
        const nodes = await nodesOf(playground.dir);
        const client = playground.client();
        try {
          for (let pass = 0; pass < passes; pass += 1) {
            const connectionsBefore = await connectionsTo(nodes.intraPorts);
            const [targetBefore = 0, mainBefore = 0, gatewayBefore = 0, gwMainBefore = 0] =
              await cpu(nodes);
            const [threadsBefore, gwThreadsBefore] = await Promise.all([
              threadCpu(nodes.targets[0] ?? 0),
              threadCpu(nodes.gateway),
            ]);
            // BENCH_PERF_DIR: `perf record` of the first target and the gateway over each listing.
            const perfDir = process.env['BENCH_PERF_DIR'];
            const recorders =
              perfDir === undefined
                ? []
                : [
                    ['target', nodes.targets[0] ?? 0],
                    ['gateway', nodes.gateway],
                  ].map(([role, pid]) =>
                    spawn(
                      'perf',
                      [
                        ...(process.env['BENCH_PERF_EVENTS'] === undefined
                          ? ['record', '-q', '-e', 'cpu-clock', '-g']
                          : ['stat', '-e', process.env['BENCH_PERF_EVENTS']]),
                        '-p',
                        String(pid),
                        '-o',
                        join(perfDir, `${label}-r${round}-p${pass}-${role}.data`),
                      ],
                      { stdio: 'ignore' },
                    ),
                  );
            if (recorders.length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
            const started = performance.now();
            let listed = 0;
            // BENCH_LIST_PAGE_CPU: the CPU of targets and gateway read after every page of 10,000.
            const pageCpu: number[][] = pagesSampled ? [await cpu(nodes)] : [];
            for await (const item of client.listObjects(bucket)) {
              if (item.name !== '') listed += 1;
              if (pagesSampled && listed % pageEntries === 0) pageCpu.push(await cpu(nodes));
            }
            if (pagesSampled) process.stdout.write(`  ${pageBands(pageCpu)}\n`);
            const seconds = (performance.now() - started) / 1000;
            const [targetAfter = 0, mainAfter = 0, gatewayAfter = 0, gwMainAfter = 0] =
              await cpu(nodes);
            const [threadsAfter, gwThreadsAfter] = await Promise.all([
              threadCpu(nodes.targets[0] ?? 0),
              threadCpu(nodes.gateway),
            ]);
            process.stdout.write(
              `  threads ms, target 0: ${threadDeltas(threadsBefore, threadsAfter)}; gateway: ${threadDeltas(gwThreadsBefore, gwThreadsAfter)}\n`,
            );
            await Promise.all(
              recorders.map(
                (recorder) =>
                  new Promise((resolve) => {
                    recorder.once('exit', resolve);
                    recorder.kill('SIGINT');
                  }),
              ),
            );
            const connectionsAfter = await connectionsTo(nodes.intraPorts);
            const opened = [...connectionsAfter].filter((key) => !connectionsBefore.has(key));
            if (listed !== objectCount) throw new Error(`${label}: listed ${listed}`);
            const perEntry = (ms: number): number => (ms * 1000) / listed;
            const values = {
              rate: listed / seconds,
              target: perEntry(targetAfter - targetBefore),
              main: perEntry(mainAfter - mainBefore),
              gateway: perEntry(gatewayAfter - gatewayBefore),
              gwMain: perEntry(gwMainAfter - gwMainBefore),
              opened: opened.length,
            };
            for (const [key, value] of Object.entries(values))
              record(`${label} ${pass} ${key}`, value);
            const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
            process.stdout.write(
              `round ${round} ${label} pass ${pass}: ${Math.round(values.rate)} entries/s, us/entry target ${values.target.toFixed(2)} (main ${values.main.toFixed(2)}) gateway ${values.gateway.toFixed(2)} (main ${values.gwMain.toFixed(2)}), ${values.opened} connections opened (load ${load})\n`,
            );
          }
        } finally {
          await client.close();
        }
      }
    }
    for (const [key, values] of figures) {
      process.stdout.write(`median ${key}: ${median(values).toFixed(2)}\n`);
    }
  });
}

await main();
