// LRU eviction rate (issue 13's goal: at least 20,000 objects/s): an `lru` run evicting every
// cached object of an aws:// bucket, against `find -delete` removing as many files of another
// bucket written the same way on the same disks. The cached objects are written straight into
// the targets' mountpaths (empty files with their metadata, read 3 hours ago, see
// lib/direct-objects.ts); the bucket is added without asking its backend, which eviction never
// contacts. The watermarks are set so that everything old enough is to go (lowwm 1%), so the run
// measures choosing and evicting, not a partial pass. BENCH_LRU_OBJECTS changes the count. The
// note gives the targets' CPU per evicted object (user + system over the run, polls included).
// A/B: BENCH_BASELINE_ENTRY (lib/playground.ts `baselineBuild`).
import { performance } from 'node:perf_hooks';
import type { BucketJson } from '../src/sdk/index.js';
import { writeObjectsDirectly } from './lib/direct-objects.js';
import { baselineBuild, Playground } from './lib/playground.js';
import { runTool } from './lib/processes.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const objectCount = Number(process.env['BENCH_LRU_OBJECTS'] ?? 50_000);
const goal = 20_000;
const cached: BucketJson = { name: 'lru-cached', provider: 'aws' };
const yardstick: BucketJson = { name: 'lru-yardstick', provider: 'ais' };
const nameOf = (index: number): string =>
  `shard-${String(Math.floor(index / 1000)).padStart(3, '0')}/object-${String(index).padStart(7, '0')}`;

async function main(): Promise<void> {
  let lruRate: number | undefined;
  let deleteRate: number | undefined;
  let note = '';
  await withScratch('lru', async (scratch) => {
    const playground = await Playground.start(scratch, undefined, process.env, baselineBuild());
    const client = playground.client();
    scratch.defer(() => client.close());
    await client.cluster.setConfig({
      'space.cleanupwm': 1,
      'space.lowwm': 1,
      'space.highwm': 99,
      'space.out_of_space': 100,
    });
    const created = await fetch(
      `${playground.endpoint}/v1/buckets/${cached.name}?provider=aws&dont_head_remote_bck=true`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'create-bck' }),
      },
    );
    if (!created.ok) throw new Error(`create ${cached.name}: ${created.status}`);
    await client.createBucket(yardstick);
    const atimeSeconds = Date.now() / 1000 - 3 * 3600;
    await writeObjectsDirectly(playground, client, {
      bucket: cached,
      count: objectCount,
      nameOf,
      atimeSeconds,
      label: 'lru-eviction',
    });
    const roots = await writeObjectsDirectly(playground, client, {
      bucket: yardstick,
      count: objectCount,
      nameOf,
      atimeSeconds,
      label: 'lru-eviction yardstick',
    });

    const cpuBefore = (await playground.cpuSeconds()).target;
    const id = await client.jobs.start('lru', { bucket: cached });
    const status = await client.jobs.wait(id, { timeoutMs: 600_000 });
    const targetCpu = (await playground.cpuSeconds()).target - cpuBefore;
    if (status.err !== '') throw new Error(`lru failed: ${status.err}`);
    const snapshots = Object.values(await client.jobs.snapshots({ id })).flat();
    const evicted = snapshots.reduce(
      (sum, snapshot) => sum + Number(snapshot.stats['lru-evicted-objs'] ?? 0),
      0,
    );
    const startMs = Math.min(...snapshots.map((snapshot) => Date.parse(snapshot['start-time'])));
    const endMs = Math.max(...snapshots.map((snapshot) => Date.parse(snapshot['end-time'])));
    lruRate = evicted / ((endMs - startMs) / 1000);

    const deleteStarted = performance.now();
    await runTool('find', [...roots, '-type', 'f', '-delete'], { timeoutMs: 600_000 });
    deleteRate = objectCount / ((performance.now() - deleteStarted) / 1000);
    const verdict = lruRate >= goal ? 'ok' : 'short';
    note = `goal >= ${goal} objects/s: ${verdict}`;
    if (evicted !== objectCount) note += `; evicted ${evicted} of ${objectCount}`;
    // Wall time follows the CPU share other work leaves; the targets' CPU per object does not.
    note += `; targets' CPU ${((targetCpu * 1e6) / Math.max(1, evicted)).toFixed(1)} us/object`;
  });
  await publish('lru-eviction', `LRU eviction of ${objectCount} cached objects`, [
    {
      workload: `evict ${objectCount} objects`,
      subject: `Cairn lru job${baselineBuild().build === undefined ? '' : ' (baseline build)'}`,
      yardstick: 'find -type f -delete',
      unit: 'objects/s',
      subjectValue: lruRate,
      yardstickValue: deleteRate,
      note,
    },
  ]);
}

await main();
