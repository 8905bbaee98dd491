// A target's memory under large concurrent reads: one object of BENCH_RSS_OBJECT_MIB (1,024 by
// default) on a one-target playground, read whole by BENCH_RSS_READERS (32) GETs at once, each
// body drained as it arrives. The target's resident set is sampled from /proc every 50 ms; the
// yardstick is the same target's resident set just before the reads (idle, object written).
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { Playground, soleTargetPid } from './lib/playground.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const objectMiB = Number(process.env['BENCH_RSS_OBJECT_MIB'] ?? 1024);
const readers = Number(process.env['BENCH_RSS_READERS'] ?? 32);
const bucket = { name: 'rss', provider: 'ais' };
const mib = 1024 * 1024;

/** `objectMiB` MiB of a repeating pattern, produced a MiB at a time (never held whole). */
function patternStream(): Readable {
  const block = Buffer.alloc(mib, 'cairn-rss-');
  let left = objectMiB;
  return new Readable({
    read() {
      this.push(left-- > 0 ? block : null);
    },
  });
}

/** Resident set (VmRSS) of a process, MiB. */
async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

async function main(): Promise<void> {
  let idle: number | undefined;
  let peak = 0;
  let rate: number | undefined;
  await withScratch('rss', async (scratch) => {
    const playground = await Playground.start(scratch, { proxies: 1, targets: 1, mountpaths: 2 });
    const client = playground.client();
    scratch.defer(() => client.close());
    await client.createBucket(bucket);
    await client.putObject(bucket, 'big', { size: objectMiB * mib, open: patternStream });
    const target = { pid: await soleTargetPid(playground) };
    idle = await residentMiB(target.pid);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await residentMiB(target.pid));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = performance.now();
    try {
      await Promise.all(
        Array.from({ length: readers }, async () => {
          const { body } = await client.getObject(bucket, 'big');
          for await (const chunk of body) void chunk;
        }),
      );
    } finally {
      sampling = false;
      await sampler;
    }
    rate = (readers * objectMiB) / ((performance.now() - started) / 1000);
    process.stderr.write(
      `get-rss: ${readers} x ${objectMiB} MiB read at ${rate.toFixed(0)} MiB/s\n`,
    );
  });
  await publish('get-rss', `Target memory, ${readers} concurrent GETs of ${objectMiB} MiB`, [
    {
      workload: `target RSS, ${readers} concurrent ${objectMiB} MiB GETs (peak)`,
      subject: 'Cairn target',
      yardstick: 'same target idle',
      unit: 'MiB',
      subjectValue: peak,
      yardstickValue: idle,
      note: `goal < 300 MiB; read at ${rate?.toFixed(0) ?? '?'} MiB/s in all`,
    },
  ]);
}

await main();
