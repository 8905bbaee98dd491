// CPU per native 1 MiB PUT of a target, this build against another (BENCH_BASELINE_ENTRY, e.g.
// main's `dist/src/bin/cairn.js`), in one sitting, with nginx's WebDAV PUT in every round as the
// yardstick: two playgrounds of 1 gateway, 1 target and 2 mountpaths (fsync off, as bench/), each
// phase `cairn bench --workload put --no-cleanup` into a new bucket (new names, as
// native-vs-nginx sees them), destroyed after the phase, outside the measurement (a bucket that
// keeps GiBs of dirty pages makes every later copy into the page cache dearer). The figures: the
// target's user + system CPU per PUT (/proc, all threads and the main thread), MiB/s, and the
// ratio to nginx's MiB/s in the same round; the order rotates each round; medians over the rounds
// (round 0 warms up and is not kept), with the load average seen (docs/profiling.md).
//
//   BENCH_BASELINE_ENTRY=/work/main/dist/src/bin/cairn.js BENCH_PORT_BASE=19700 \
//     node dist/bench/put-cpu-ab.js
import { readFile } from 'node:fs/promises';
import { runBenchClient } from './lib/bench-client.js';
import { median } from './lib/median.js';
import { Nginx } from './lib/nginx.js';
import { Playground, soleTargetPid } from './lib/playground.js';
import { freePortNear } from './lib/ports.js';
import { cairnEntry } from './lib/processes.js';
import { cpuMs } from './lib/s3-peers.js';
import { withScratch } from './lib/scratch.js';

const rounds = Number(process.env['BENCH_AB_ROUNDS'] ?? 6);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const size = process.env['BENCH_SIZE'] ?? '1MiB';
const shape = { proxies: 1, targets: 1, mountpaths: 2 };

interface Side {
  label: string;
  run: (bucket: string) => Promise<{ mibPerSecond: number; puts: number }>;
  /** The target's pid (undefined for nginx). */
  target?: number;
  /** Removes a phase's bucket, after its CPU was read. */
  cleanup?: (bucket: string) => Promise<void>;
}

const phase = ['--workload', 'put', '--size', size, '--concurrency', '16'];

async function main(): Promise<void> {
  const baseline = process.env['BENCH_BASELINE_ENTRY'];
  if (baseline === undefined) throw new Error('BENCH_BASELINE_ENTRY: the build to compare with');
  await withScratch('put-cpu-ab', async (scratch) => {
    const sides: Side[] = [];
    for (const [label, entry] of [
      ['base', baseline],
      ['this', cairnEntry],
    ] as const) {
      const playground = await Playground.start(scratch, shape, process.env, {
        build: { entry, name: label },
      });
      const client = playground.client();
      scratch.defer(() => client.close());
      sides.push({
        label,
        target: await soleTargetPid(playground),
        run: async (bucket) => {
          const endpoint = ['--endpoint', playground.endpoint, '--bucket', bucket];
          const result = await runBenchClient([
            ...endpoint,
            ...phase,
            '--duration',
            `${seconds}s`,
            '--no-cleanup',
          ]);
          const put = result.operation('put');
          if (put === undefined || put.errors > 0) throw new Error(`${label}: PUT errors`);
          return { mibPerSecond: put.mibPerSecond, puts: put.count };
        },
        cleanup: (bucket) => client.destroyBucket({ name: bucket, provider: 'ais' }),
      });
    }
    const base = Number(process.env['BENCH_PORT_BASE'] ?? 31_000);
    const nginx = await Nginx.start(scratch, await freePortNear(base + 90));
    sides.push({
      label: 'nginx',
      run: async () => {
        const result = await runBenchClient([
          '--api',
          'http',
          '--endpoint',
          nginx.endpoint,
          ...phase,
          '--duration',
          `${seconds}s`,
        ]);
        const put = result.operation('put');
        if (put === undefined || put.errors > 0) throw new Error('nginx: PUT errors');
        return { mibPerSecond: put.mibPerSecond, puts: put.count };
      },
    });
    const figures = new Map<string, number[]>();
    const add = (key: string, value: number): void => {
      figures.set(key, [...(figures.get(key) ?? []), value]);
    };
    const lowerThis: boolean[] = [];
    for (let round = 0; round <= rounds; round += 1) {
      const shift = round % sides.length;
      const rotated = [...sides.slice(shift), ...sides.slice(0, shift)];
      const order = round % 2 === 0 ? rotated : rotated.reverse();
      const perPut = new Map<string, number>();
      const mibs = new Map<string, number>();
      for (const side of order) {
        const pid = side.target;
        const before = pid === undefined ? [0, 0] : [await cpuMs(pid), await cpuMs(pid, pid)];
        const { mibPerSecond, puts } = await side.run(`ab${round}${side.label}`);
        const after = pid === undefined ? [0, 0] : [await cpuMs(pid), await cpuMs(pid, pid)];
        await side.cleanup?.(`ab${round}${side.label}`);
        const all = ((after[0] ?? 0) - (before[0] ?? 0)) / puts;
        const mainThread = ((after[1] ?? 0) - (before[1] ?? 0)) / puts;
        mibs.set(side.label, mibPerSecond);
        const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0] ?? '';
        const cpu =
          pid === undefined
            ? ''
            : `, ${all.toFixed(2)} ms CPU per PUT (main ${mainThread.toFixed(2)})`;
        process.stdout.write(
          `round ${round} ${side.label}: ${mibPerSecond.toFixed(0)} MiB/s${cpu} (load ${load})\n`,
        );
        if (pid !== undefined) {
          perPut.set(side.label, all);
          if (round > 0) {
            add(`${side.label} ms/PUT all threads`, all);
            add(`${side.label} ms/PUT main thread`, mainThread);
          }
        }
        if (round > 0) add(`${side.label} MiB/s`, mibPerSecond);
      }
      const nginxMib = mibs.get('nginx') ?? 0;
      if (round > 0 && nginxMib > 0) {
        for (const label of ['base', 'this'])
          add(`${label} / nginx`, (mibs.get(label) ?? 0) / nginxMib);
        lowerThis.push((perPut.get('this') ?? 0) < (perPut.get('base') ?? 0));
      }
    }
    for (const [key, values] of figures)
      process.stdout.write(`median ${key}: ${median(values).toFixed(3)}\n`);
    process.stdout.write(
      `rounds where this build used less CPU per PUT: ${lowerThis.filter(Boolean).length} of ${lowerThis.length}\n`,
    );
  });
}

await main();
