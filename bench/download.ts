// The downloader (`/v1/download`, issue 15's goal: 100 x 1 MiB from a local nginx at >= 0.7 of
// `wget -i` of the same list): a range download of 100 files of 1 MiB served by nginx on loopback
// into an empty bucket of the playground, against `wget -i <list> -P <dir>` fetching the same files
// from the same nginx into a directory on the same disk (one connection, one file after another,
// as wget does). BENCH_DOWNLOAD_FILES changes the count. Rounds alternate the two (each download
// into a new bucket, wget into a new directory) and the medians are reported: one run of each
// swung 2x on a shared machine. The status is polled every 10 ms: a 100 ms poll added ~50 ms on
// average to a run of ~0.3 s (docs/profiling.md, "Downloader"); the note gives the job's own span
// (its status's start to finish times), which no poll rounds up. A first download, not counted,
// warms the cluster up (its rate is in the note): the first one after the playground started ran
// at half the speed of the next (JIT compilation), and it was the only one timed before.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BucketJson } from '../src/sdk/index.js';
import { Nginx } from './lib/nginx.js';
import { Playground } from './lib/playground.js';
import { freePortNear } from './lib/ports.js';
import { runTool } from './lib/processes.js';
import { median } from './lib/median.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const fileCount = Number(process.env['BENCH_DOWNLOAD_FILES'] ?? 100);
const fileBytes = 1024 * 1024;
/** Objects each target downloads at once. */
const connections = 4;
const rounds = Number(process.env['BENCH_DOWNLOAD_ROUNDS'] ?? 5);
/** Status poll: short against a run of ~0.3 s (wget's time ends when it exits). */
const pollMs = 10;
const goal = 0.7;
const nameOf = (index: number): string => `f-${String(index).padStart(4, '0')}.bin`;

async function main(): Promise<void> {
  const downloaderRates: number[] = [];
  const spanRates: number[] = [];
  const yardstickRates: number[] = [];
  /** The warm-up download's rate (the first after the playground started). */
  let coldRate = Number.NaN;
  await withScratch('download', async (scratch) => {
    const nginx = await Nginx.start(scratch, await freePortNear(31_000));
    await mkdir(join(nginx.root, 'dl'), { recursive: true });
    const data = randomBytes(fileBytes);
    for (let index = 0; index < fileCount; index += 1)
      await writeFile(join(nginx.root, 'dl', nameOf(index)), data);
    const playground = await Playground.start(scratch);
    const client = playground.client();
    scratch.defer(() => client.close());
    const mib = (fileCount * fileBytes) / (1024 * 1024);
    const last = String(fileCount - 1).padStart(4, '0');
    const template = `${nginx.endpoint}/dl/f-{0000..${last}}.bin`;
    const list = join(scratch.dir, 'urls.txt');
    const urls = Array.from(
      { length: fileCount },
      (_, index) => `${nginx.endpoint}/dl/${nameOf(index)}`,
    );
    await writeFile(list, `${urls.join('\n')}\n`);

    /** One download into a new bucket: its rate, from the start request, and its job's alone. */
    const download = async (bucketName: string): Promise<{ rate: number; spanRate: number }> => {
      const subject: BucketJson = { name: bucketName, provider: 'ais' };
      await client.createBucket(subject);
      const started = performance.now();
      const id = await client.download.range(subject, template, { limits: { connections } });
      const status = await client.download.wait(id, { timeoutMs: 600_000, intervalMs: pollMs });
      const rate = mib / ((performance.now() - started) / 1000);
      if (status.error_cnt > 0 || status.finished_cnt !== fileCount)
        throw new Error(`download: ${status.finished_cnt} finished, ${status.error_cnt} failed`);
      const spanMs = Date.parse(status.finished_time) - Date.parse(status.started_time);
      return { rate, spanRate: mib / (Math.max(1, spanMs) / 1000) };
    };
    const timedDownload = async (round: number): Promise<void> => {
      const { rate, spanRate } = await download(`dl-subject-${round}`);
      downloaderRates.push(rate);
      spanRates.push(spanRate);
    };
    const wget = async (round: number): Promise<void> => {
      const into = join(scratch.dir, `wget-${round}`);
      const started = performance.now();
      const result = await runTool('wget', ['-q', '-i', list, '-P', into], { timeoutMs: 600_000 });
      yardstickRates.push(mib / ((performance.now() - started) / 1000));
      if (result.code !== 0)
        throw new Error(`wget -i: exit ${result.code} ${result.stderr.trim()}`);
      if ((await readdir(into)).length !== fileCount)
        throw new Error(`wget -i: not every one of ${fileCount} files was fetched`);
    };
    coldRate = (await download('dl-warm-up')).rate;
    for (let round = 0; round < rounds; round += 1) {
      const turns = round % 2 === 0 ? [timedDownload, wget] : [wget, timedDownload];
      for (const turn of turns) await turn(round);
    }
  });
  const downloaderRate = median(downloaderRates);
  const yardstickRate = median(yardstickRates);
  const ratio = downloaderRate / yardstickRate;
  const each = (rates: number[]): string => rates.map((rate) => rate.toFixed(0)).join(', ');
  const note =
    `goal >= ${goal}: ${ratio >= goal ? 'ok' : 'short'}; medians of ${rounds} rounds ` +
    `(Cairn ${each(downloaderRates)}; wget ${each(yardstickRates)}); ` +
    `job span alone ${median(spanRates).toFixed(0)} MiB/s; first (cold) download ${coldRate.toFixed(0)} MiB/s`;
  await publish('download', `Downloader: ${fileCount} x 1 MiB from a local nginx`, [
    {
      workload: `${fileCount} x 1 MiB, ${connections} connections per target, poll ${pollMs} ms`,
      subject: 'Cairn /v1/download (range)',
      yardstick: 'wget -i (same list)',
      unit: 'MiB/s',
      subjectValue: downloaderRate,
      yardstickValue: yardstickRate,
      note,
    },
  ]);
}

await main();
