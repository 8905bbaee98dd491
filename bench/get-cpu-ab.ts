// CPU per native 4 KiB GET of a target, this build against another (BENCH_BASELINE_ENTRY, e.g.
// main's `dist/src/bin/cairn.js`), in one sitting: two playgrounds of 1 gateway, 1 target and 1
// mountpath side by side, one 4 KiB object each (every GET a content hit), `wrk -t1 -c16` straight
// at the target, the sides alternating with the order reversed every round. The figure is the
// target's user + system CPU over a phase (/proc, all threads) per GET answered; medians over the
// rounds (round 0 warms up and is not kept), with the load average seen (docs/profiling.md).
//
//   BENCH_BASELINE_ENTRY=/path/to/main/dist/src/bin/cairn.js BENCH_PORT_BASE=19500 \
//     node dist/bench/get-cpu-ab.js
//
// BENCH_AB_SIDES="label=entry;label=entry;..." runs any number of builds instead (e.g. a ladder's
// rungs, each a patched copy of a build), in rotating order, reversed every other round.
import { readFile } from 'node:fs/promises';
import { median } from './lib/median.js';
import { Playground, soleTargetPid } from './lib/playground.js';
import { cairnEntry } from './lib/processes.js';
import { cpuMs } from './lib/s3-peers.js';
import { withScratch } from './lib/scratch.js';
import { runWrk } from './lib/wrk.js';

const rounds = Number(process.env['BENCH_AB_ROUNDS'] ?? 8);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const bucket = { name: 'getab', provider: 'ais' };
const shape = { proxies: 1, targets: 1, mountpaths: 1 };

interface Side {
  label: string;
  urls: string[];
  target: number;
}

async function main(): Promise<void> {
  const builds = buildsToCompare(process.env);
  await withScratch('get-cpu-ab', async (scratch) => {
    const sides: Side[] = [];
    for (const [label, entry] of builds) {
      const playground = await Playground.start(scratch, shape, process.env, {
        build: { entry, name: label },
      });
      const client = playground.client();
      try {
        const urls = await playground.objectPerTarget(client, bucket, Buffer.alloc(4096, 7));
        sides.push({ label, urls, target: await soleTargetPid(playground) });
      } finally {
        await client.close();
      }
    }
    const figures = new Map<string, number[]>();
    const lowerThis: boolean[] = [];
    for (let round = 0; round <= rounds; round += 1) {
      const shift = round % sides.length;
      const rotated = [...sides.slice(shift), ...sides.slice(0, shift)];
      const order = round % 2 === 0 ? rotated : rotated.reverse();
      const perGet = new Map<string, number>();
      for (const side of order) {
        const before = await cpuMs(side.target);
        const result = await runWrk(side.urls, 16, seconds);
        const after = await cpuMs(side.target);
        if (result.errors > 0) throw new Error(`${side.label}: ${result.errors} GET errors`);
        const gets = result.requestsPerSecond * seconds;
        const us = ((after - before) * 1000) / gets;
        perGet.set(side.label, us);
        const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0] ?? '';
        process.stdout.write(
          `round ${round} ${side.label}: ${Math.round(result.requestsPerSecond)} GET/s, ${us.toFixed(1)} us CPU per GET (load ${load})\n`,
        );
        if (round > 0) {
          figures.set(`${side.label} us/GET`, [...(figures.get(`${side.label} us/GET`) ?? []), us]);
          figures.set(`${side.label} GET/s`, [
            ...(figures.get(`${side.label} GET/s`) ?? []),
            result.requestsPerSecond,
          ]);
        }
      }
      if (round > 0 && perGet.has('this') && perGet.has('base'))
        lowerThis.push((perGet.get('this') ?? 0) < (perGet.get('base') ?? 0));
    }
    for (const [key, values] of figures)
      process.stdout.write(`median ${key}: ${median(values).toFixed(1)}\n`);
    if (lowerThis.length > 0)
      process.stdout.write(
        `rounds where this build used less CPU per GET: ${lowerThis.filter(Boolean).length} of ${lowerThis.length}\n`,
      );
  });
}

/** The builds to compare, as label and `cairn.js` entry. */
function buildsToCompare(env: NodeJS.ProcessEnv): [string, string][] {
  const listed = env['BENCH_AB_SIDES'];
  if (listed !== undefined)
    return listed.split(';').map((side): [string, string] => {
      const [label = '', entry = ''] = side.split('=');
      if (label === '' || entry === '')
        throw new Error(`BENCH_AB_SIDES: "${side}" is no label=entry`);
      return [label, entry];
    });
  const baseline = env['BENCH_BASELINE_ENTRY'];
  if (baseline === undefined) throw new Error('BENCH_BASELINE_ENTRY: the build to compare with');
  return [
    ['base', baseline],
    ['this', cairnEntry],
  ];
}

await main();
