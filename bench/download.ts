// The downloader (`/v1/download`, issue 15's goal: 100 x 1 MiB from a local nginx at >= 0.7 of
// `wget -i` of the same list): a range download of 100 files of 1 MiB served by nginx on loopback
// into an empty bucket of the playground, against `wget -i <list> -P <dir>` fetching the same files
// from the same nginx into a directory on the same disk (one connection, one file after another,
// as wget does). BENCH_DOWNLOAD_FILES changes the count.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BucketJson } from '../src/sdk/index.js';
import { Nginx } from './lib/nginx.js';
import { Playground } from './lib/playground.js';
import { freePortNear } from './lib/ports.js';
import { runTool } from './lib/processes.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const fileCount = Number(process.env['BENCH_DOWNLOAD_FILES'] ?? 100);
const fileBytes = 1024 * 1024;
/** Objects each target downloads at once. */
const connections = 4;
const goal = 0.7;
const nameOf = (index: number): string => `f-${String(index).padStart(4, '0')}.bin`;

async function main(): Promise<void> {
  let downloaderRate: number | undefined;
  let yardstickRate: number | undefined;
  let note = '';
  await withScratch('download', async (scratch) => {
    const nginx = await Nginx.start(scratch, await freePortNear(31_000));
    await mkdir(join(nginx.root, 'dl'), { recursive: true });
    const data = randomBytes(fileBytes);
    for (let index = 0; index < fileCount; index += 1)
      await writeFile(join(nginx.root, 'dl', nameOf(index)), data);
    const playground = await Playground.start(scratch);
    const client = playground.client();
    scratch.defer(() => client.close());
    const subject: BucketJson = { name: 'dl-subject', provider: 'ais' };
    await client.createBucket(subject);
    const mib = (fileCount * fileBytes) / (1024 * 1024);

    const last = String(fileCount - 1).padStart(4, '0');
    const template = `${nginx.endpoint}/dl/f-{0000..${last}}.bin`;
    const started = performance.now();
    const id = await client.download.range(subject, template, { limits: { connections } });
    const status = await client.download.wait(id, { timeoutMs: 600_000, intervalMs: 100 });
    downloaderRate = mib / ((performance.now() - started) / 1000);
    if (status.error_cnt > 0 || status.finished_cnt !== fileCount)
      throw new Error(`download: ${status.finished_cnt} finished, ${status.error_cnt} failed`);

    const list = join(scratch.dir, 'urls.txt');
    const into = join(scratch.dir, 'wget');
    const urls = Array.from(
      { length: fileCount },
      (_, index) => `${nginx.endpoint}/dl/${nameOf(index)}`,
    );
    await writeFile(list, `${urls.join('\n')}\n`);
    const wgetStarted = performance.now();
    const wget = await runTool('wget', ['-q', '-i', list, '-P', into], { timeoutMs: 600_000 });
    yardstickRate = mib / ((performance.now() - wgetStarted) / 1000);
    if (wget.code !== 0) throw new Error(`wget -i: exit ${wget.code} ${wget.stderr.trim()}`);
    if ((await readdir(into)).length !== fileCount)
      throw new Error(`wget -i: not every one of ${fileCount} files was fetched`);
    const ratio = downloaderRate / yardstickRate;
    note = `goal >= ${goal}: ${ratio >= goal ? 'ok' : 'short'}`;
  });
  await publish('download', `Downloader: ${fileCount} x 1 MiB from a local nginx`, [
    {
      workload: `${fileCount} x 1 MiB, ${connections} connections per target`,
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
