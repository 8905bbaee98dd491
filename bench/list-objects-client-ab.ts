// The client's share of a listing, A/B: one playground of this build, BENCH_LIST_OBJECTS empty
// objects, listed BENCH_LIST_ROUNDS times each through this build's SDK and through another
// build's (BENCH_BASELINE_SDK: its dist/src/sdk/index.js), alternating, the order reversed every
// round. Per listing: entries/s and this process's CPU per entry (the SDK's requests, decoding and
// iteration: the servers are the same for both).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Client } from '../src/sdk/index.js';
import { writeObjectsDirectly } from './lib/direct-objects.js';
import { median } from './lib/median.js';
import { Playground } from './lib/playground.js';
import { withScratch } from './lib/scratch.js';

const objectCount = Number(process.env['BENCH_LIST_OBJECTS'] ?? 300_000);
const rounds = Number(process.env['BENCH_LIST_ROUNDS'] ?? 6);
const bucket = { name: 'listing', provider: 'ais' };

type ClientClass = typeof Client;

async function main(): Promise<void> {
  const baselinePath = process.env['BENCH_BASELINE_SDK'];
  if (baselinePath === undefined) throw new Error('BENCH_BASELINE_SDK: another build’s SDK');
  const baseline = (await import(pathToFileURL(baselinePath).href)) as { Client: ClientClass };
  const sdks: Array<[string, ClientClass]> = [
    ['new', Client],
    ['base', baseline.Client],
  ];
  await withScratch('list-client', async (scratch) => {
    const playground = await Playground.start(scratch);
    const setup = playground.client();
    try {
      await setup.createBucket(bucket);
      await writeObjectsDirectly(playground, setup, {
        bucket,
        count: objectCount,
        nameOf: (index) =>
          `shard-${String(Math.floor(index / 1000)).padStart(4, '0')}/object-${String(index).padStart(7, '0')}`,
        label: 'list-client',
      });
    } finally {
      await setup.close();
    }
    const figures = new Map<string, number[]>();
    for (let round = 0; round < rounds; round += 1) {
      for (const [label, Sdk] of round % 2 === 0 ? sdks : [...sdks].reverse()) {
        const client = new Sdk(playground.endpoint);
        try {
          const started = performance.now();
          const cpu = process.cpuUsage();
          let listed = 0;
          for await (const entry of client.listObjects(bucket)) if (entry.name !== '') listed += 1;
          const used = process.cpuUsage(cpu);
          const seconds = (performance.now() - started) / 1000;
          if (listed !== objectCount) throw new Error(`${label}: listed ${listed}`);
          const perEntry = (used.user + used.system) / listed;
          const rate = listed / seconds;
          figures.set(`${label} cpu`, [...(figures.get(`${label} cpu`) ?? []), perEntry]);
          figures.set(`${label} rate`, [...(figures.get(`${label} rate`) ?? []), rate]);
          const load = (await import('node:os')).loadavg()[0]?.toFixed(1);
          process.stdout.write(
            `round ${round} ${label}: ${Math.round(rate)} entries/s, client ${perEntry.toFixed(3)} us/entry (load ${load})\n`,
          );
        } finally {
          await client.close();
        }
      }
    }
    for (const [key, values] of figures) {
      process.stdout.write(`median ${key}: ${median(values).toFixed(3)}\n`);
    }
  });
}

await main();
