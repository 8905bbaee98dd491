// Node.js/V8 flags for Cairn's nodes, A/B on the request paths in one sitting: a playground whose
// nodes run with BENCH_THIS_NODE_OPTIONS against one with BENCH_NODE_OPTIONS (or none), both of this
// build unless BENCH_BASELINE_ENTRY names another. Each round runs, on each side (order reversed
// every round): GET 4 KiB with wrk straight from the targets, then PUT 4 KiB with `cairn bench`;
// the figures are CPU per request of the targets (all threads, and their main threads) and of the
// gateway, from /proc, and the requests/s. The nodes' resident sets are printed at the end (a flag's
// memory cost). bench/list-first-ab.ts measures the same flags on listings (docs/profiling.md,
// "Listing, eighth pass").
//
//   BENCH_THIS_NODE_OPTIONS="--max-semi-space-size=32" node dist/bench/node-flags-ab.js
import { readFile } from 'node:fs/promises';
import { runBenchClient } from './lib/bench-client.js';
import { median } from './lib/median.js';
import { Playground } from './lib/playground.js';
import { cairnEntry } from './lib/processes.js';
import { cpuMs } from './lib/s3-peers.js';
import { withScratch } from './lib/scratch.js';
import { runWrk } from './lib/wrk.js';

const rounds = Number(process.env['BENCH_FLAGS_ROUNDS'] ?? 6);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const bucket = { name: 'flags', provider: 'ais' };
const putBucket = { name: 'flags-put', provider: 'ais' };

interface Side {
  label: string;
  playground: Playground;
  getUrls: string[];
  pids: { gateways: number[]; targets: number[] };
}

/** CPU ms of the processes `pids`, all threads and main threads. */
async function cpuOf(pids: number[]): Promise<{ all: number; main: number }> {
  let all = 0;
  let main = 0;
  for (const pid of pids) {
    all += await cpuMs(pid);
    main += await cpuMs(pid, pid);
  }
  return { all, main };
}

async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** Runs `load`, answering its request count and the CPU us per request of targets and gateway. */
async function measured(
  side: Side,
  load: () => Promise<number>,
): Promise<{ rate: number; target: number; targetMain: number; gateway: number }> {
  const targets = await cpuOf(side.pids.targets);
  const gateway = await cpuOf(side.pids.gateways);
  const started = performance.now();
  const requests = await load();
  const elapsed = (performance.now() - started) / 1000;
  const targetsAfter = await cpuOf(side.pids.targets);
  const gatewayAfter = await cpuOf(side.pids.gateways);
  const per = (ms: number): number => (ms * 1000) / requests;
  return {
    rate: requests / elapsed,
    target: per(targetsAfter.all - targets.all),
    targetMain: per(targetsAfter.main - targets.main),
    gateway: per(gatewayAfter.all - gateway.all),
  };
}

async function main(): Promise<void> {
  await withScratch('node-flags', async (scratch) => {
    const own = process.env['BENCH_THIS_NODE_OPTIONS'];
    const sides: Side[] = [];
    for (const label of ['flags', 'base']) {
      const env =
        label === 'flags' && own !== undefined
          ? { ...process.env, BENCH_NODE_OPTIONS: own }
          : process.env;
      const build = {
        entry: label === 'base' ? (process.env['BENCH_BASELINE_ENTRY'] ?? cairnEntry) : cairnEntry,
        name: label,
      };
      const playground = await Playground.start(scratch, undefined, env, { build });
      const client = playground.client();
      try {
        const getUrls = await playground.objectPerTarget(client, bucket, Buffer.alloc(4096, 7));
        // PUTs go to a bucket made here, and `cairn bench` leaves its objects: the measured CPU is
        // the PUTs' only.
        await client.createBucket(putBucket);
        sides.push({ label, playground, getUrls, pids: await playground.pids() });
      } finally {
        await client.close();
      }
    }
    const figures = new Map<string, number[]>();
    const record = (key: string, value: number): void => {
      figures.set(key, [...(figures.get(key) ?? []), value]);
    };
    // Round 0 warms both sides up (JIT, heap growth, the PUT bucket's directories) and is not kept.
    for (let round = 0; round <= rounds; round += 1) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const get = await measured(side, async () => {
          const result = await runWrk(side.getUrls, 16, seconds);
          if (result.errors > 0) throw new Error(`${side.label}: ${result.errors} GET errors`);
          return Math.round(result.requestsPerSecond * seconds);
        });
        const put = await measured(side, async () => {
          const run = await runBenchClient([
            '--endpoint',
            side.playground.endpoint,
            '--bucket',
            putBucket.name,
            '--no-cleanup',
            '--workload',
            'put',
            '--size',
            '4KiB',
            '--concurrency',
            '16',
            '--duration',
            `${seconds}s`,
          ]);
          const operation = run.operation('put');
          if (operation === undefined || operation.errors > 0)
            throw new Error(`${side.label}: PUT errors`);
          return operation.count;
        });
        const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
        for (const [phase, values] of [
          ['GET', get],
          ['PUT', put],
        ] as const) {
          for (const [key, value] of Object.entries(values))
            if (round > 0) record(`${side.label} ${phase} ${key}`, value);
          process.stdout.write(
            `round ${round} ${side.label} ${phase} 4 KiB: ${Math.round(values.rate)}/s, us per request: targets ${values.target.toFixed(1)} (main ${values.targetMain.toFixed(1)}) gateway ${values.gateway.toFixed(1)} (load ${load})\n`,
          );
        }
      }
    }
    for (const [key, values] of figures)
      process.stdout.write(`median ${key}: ${median(values).toFixed(2)}\n`);
    for (const side of sides) {
      const resident = await Promise.all(
        [...side.pids.gateways, ...side.pids.targets].map(residentMiB),
      );
      process.stdout.write(
        `${side.label} resident MiB (gateway, targets): ${resident.map((mib) => mib.toFixed(0)).join(', ')}\n`,
      );
    }
  });
}

await main();
