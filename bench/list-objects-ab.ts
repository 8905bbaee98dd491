// Listing A/B in one sitting: a playground of this build and (with BENCH_BASELINE_ENTRY) one of
// another, the same empty objects written into each, then full listings through the SDK
// alternating between them. Per listing: entries/s and CPU per entry of the targets, the gateway
// and this client, from /proc (docs/profiling.md "Listing, third pass").
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeObjectsDirectly } from './lib/direct-objects.js';
import { median } from './lib/median.js';
import { Playground, baselineBuild } from './lib/playground.js';
import { cpuMs } from './lib/s3-peers.js';
import { withScratch } from './lib/scratch.js';

const objectCount = Number(process.env['BENCH_LIST_OBJECTS'] ?? 200_000);
const rounds = Number(process.env['BENCH_LIST_ROUNDS'] ?? 4);
// 1,000,000 objects make 1,000 directories of 1,000: 200 per directory gives a smaller run the same
// root (a listing's pages walk from it).
const perDirectory = Number(process.env['BENCH_LIST_PER_DIRECTORY'] ?? 1000);
const bucket = { name: 'listing', provider: 'ais' };

interface Pids {
  targets: number[];
  gateway: number;
}

async function pidsOf(dir: string): Promise<Pids> {
  const state = JSON.parse(await readFile(join(dir, 'playground.json'), 'utf8')) as {
    nodes: { role: string; pid: number }[];
  };
  const gateway = state.nodes.find((node) => node.role === 'proxy')?.pid;
  if (gateway === undefined) throw new Error('no gateway');
  const targets = state.nodes.filter((node) => node.role === 'target').map((node) => node.pid);
  return { targets, gateway };
}

async function main(): Promise<void> {
  await withScratch('list-ab', async (scratch) => {
    const builds = [
      { label: 'new', playground: await Playground.start(scratch) },
      ...(baselineBuild().build === undefined
        ? []
        : [
            {
              label: 'base',
              playground: await Playground.start(scratch, undefined, undefined, baselineBuild()),
            },
          ]),
    ];
    const results = new Map<
      string,
      { rate: number[]; target: number[]; main: number[]; gateway: number[]; client: number[] }
    >();
    const subjects = [];
    for (const { label, playground } of builds) {
      const client = playground.client();
      scratch.defer(() => client.close());
      await client.createBucket(bucket);
      await writeObjectsDirectly(playground, client, {
        bucket,
        count: objectCount,
        nameOf: (index) =>
          `shard-${String(Math.floor(index / perDirectory)).padStart(4, '0')}/object-${String(index).padStart(7, '0')}`,
        label,
      });
      subjects.push({ label, client, pids: await pidsOf(playground.dir) });
      results.set(label, { rate: [], target: [], main: [], gateway: [], client: [] });
    }
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? subjects : [...subjects].reverse();
      for (const { label, client, pids } of order) {
        const cpu = async (): Promise<number[]> => [
          (await Promise.all(pids.targets.map((pid) => cpuMs(pid)))).reduce((a, b) => a + b, 0),
          await cpuMs(pids.gateway),
          (await Promise.all(pids.targets.map((pid) => cpuMs(pid, pid)))).reduce(
            (a, b) => a + b,
            0,
          ),
        ];
        const [targetBefore = 0, gatewayBefore = 0, mainBefore = 0] = await cpu();
        const clientBefore = process.cpuUsage();
        const started = performance.now();
        let listed = 0;
        for await (const entry of client.listObjects(bucket)) if (entry.name !== '') listed += 1;
        const seconds = (performance.now() - started) / 1000;
        const clientUsage = process.cpuUsage(clientBefore);
        const [targetAfter = 0, gatewayAfter = 0, mainAfter = 0] = await cpu();
        if (listed !== objectCount) throw new Error(`${label}: listed ${listed} of ${objectCount}`);
        const usPerEntry = (ms: number): number => (ms * 1000) / listed;
        const result = results.get(label);
        result?.rate.push(listed / seconds);
        result?.target.push(usPerEntry(targetAfter - targetBefore));
        result?.main.push(usPerEntry(mainAfter - mainBefore));
        result?.gateway.push(usPerEntry(gatewayAfter - gatewayBefore));
        result?.client.push((clientUsage.user + clientUsage.system) / listed);
        const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
        process.stdout.write(
          `round ${round} ${label}: ${Math.round(listed / seconds)} entries/s, us/entry target ${usPerEntry(targetAfter - targetBefore).toFixed(2)} (main ${usPerEntry(mainAfter - mainBefore).toFixed(2)}) gateway ${usPerEntry(gatewayAfter - gatewayBefore).toFixed(2)} client ${((clientUsage.user + clientUsage.system) / listed).toFixed(2)} (load ${load})\n`,
        );
      }
    }
    for (const [label, result] of results) {
      process.stdout.write(
        `median ${label}: ${Math.round(median(result.rate))} entries/s, us/entry target ${median(result.target).toFixed(2)} (main ${median(result.main).toFixed(2)}) gateway ${median(result.gateway).toFixed(2)} client ${median(result.client).toFixed(2)}\n`,
      );
    }
  });
}

await main();
