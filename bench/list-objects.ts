// Listing a bucket of 1,000,000 objects (BENCH_LIST_OBJECTS to change): entries/s through the
// native API against `find` walking the same files. The objects are created by writing empty
// files and their metadata attribute straight into each owner target's HRW mountpath, in the
// store's own layout (a PUT per object would take most of the suite's time budget); 1,000
// directories of 1,000 objects, as datasets are sharded.
import { performance } from 'node:perf_hooks';
import { writeObjectsDirectly } from './lib/direct-objects.js';
import { Playground } from './lib/playground.js';
import { runTool } from './lib/processes.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const objectCount = Number(process.env['BENCH_LIST_OBJECTS'] ?? 1_000_000);
const perDirectory = 1000;
const bucket = { name: 'listing', provider: 'ais' };
const rounds = ['first', 'second'] as const;

async function main(): Promise<void> {
  const rates = new Map<(typeof rounds)[number], number>();
  let findRate: number | undefined;
  let note = '';
  await withScratch('list', async (scratch) => {
    const playground = await Playground.start(scratch);
    const client = playground.client();
    scratch.defer(() => client.close());
    await client.createBucket(bucket);
    const started = performance.now();
    const roots = await writeObjectsDirectly(playground, client, {
      bucket,
      count: objectCount,
      nameOf: (index) =>
        `shard-${String(Math.floor(index / perDirectory)).padStart(4, '0')}/object-${String(index).padStart(7, '0')}`,
      label: 'list-objects',
    });
    process.stderr.write(
      `list-objects: ${objectCount} objects in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );

    const findStarted = performance.now();
    // One byte per file, not its path: a million paths would overflow the captured output.
    const found = await runTool('find', [...roots, '-type', 'f', '-printf', '.'], {
      timeoutMs: 600_000,
    });
    const findCount = found.stdout.length;
    findRate = findCount / ((performance.now() - findStarted) / 1000);

    // Twice: the first listing of freshly started nodes also pays their JIT's warm-up (a few
    // hundred ms, which a 100,000-object run notices); the second is what a running cluster does.
    for (const round of rounds) {
      const listStarted = performance.now();
      let listed = 0;
      for await (const entry of client.listObjects(bucket)) {
        if (entry.name !== '') listed += 1;
      }
      rates.set(round, listed / ((performance.now() - listStarted) / 1000));
      if (listed !== objectCount || findCount !== objectCount) {
        note = `listed ${listed}, find ${findCount}, expected ${objectCount}`;
      }
    }
  });
  await publish(
    'list-objects',
    `List a bucket of ${objectCount} objects`,
    rounds.map((round) => ({
      workload: `list ${objectCount} objects (${round} listing)`,
      subject: 'Cairn native list',
      yardstick: "find -type f -printf '.'",
      unit: 'entries/s',
      subjectValue: rates.get(round),
      yardstickValue: findRate,
      ...(note === '' ? {} : { note }),
    })),
  );
}

await main();
