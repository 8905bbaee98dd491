// ETL cost, same playground, measured back to back: GET of 1 MiB objects through an identity
// transformer (hpush, Node) against a plain GET of the same objects at the same concurrency; and
// offline, `etl-bck` of BENCH_ETL_OFFLINE_OBJECTS (default 1,000) objects of 1 MiB through the same
// transformer against `copy-bck` of the same bucket.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Playground } from './lib/playground.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const bucket = { name: 'etlbench', provider: 'ais' };
const objectCount = 64;
const objectBytes = 1024 * 1024;
const concurrency = 8;
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const offlineObjects = Number(process.env['BENCH_ETL_OFFLINE_OBJECTS'] ?? 1000);
const offlineBucket = { name: 'etlbench-offline', provider: 'ais' };

/** Streams the PUT body straight back (identity). */
const identity = `
const http = require('node:http');
http.createServer((req, res) => {
  if (req.url === '/health') { res.end('Running'); return; }
  const length = req.headers['content-length'];
  if (length !== undefined) res.setHeader('content-length', length);
  req.pipe(res);
}).listen(Number(process.env.PORT), process.env.HOST);
`;

type Client = ReturnType<Playground['client']>;

/** MiB/s of `concurrency` loops reading objects round-robin for `seconds`. */
async function throughput(client: Client, etl: { name: string } | undefined): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let bytes = 0;
  let next = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const name = `obj-${next++ % objectCount}`;
      const { body } = await client.getObject(bucket, name, etl === undefined ? {} : { etl });
      for await (const chunk of body) bytes += (chunk as Buffer).length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return bytes / 1024 / 1024 / ((performance.now() - started) / 1000);
}

/** Seconds a bucket job takes from start to end. */
async function jobSeconds(client: Client, start: () => Promise<string>): Promise<number> {
  const started = performance.now();
  const status = await client.jobs.wait(await start(), { timeoutMs: 3_600_000 });
  if (status.err !== '') throw new Error(`${status.kind} failed: ${status.err}`);
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  let plain: number | undefined;
  let inline: number | undefined;
  let copySeconds: number | undefined;
  let transformSeconds: number | undefined;
  await withScratch('etl', async (scratch) => {
    const playground = await Playground.start(scratch);
    const client = playground.client();
    scratch.defer(() => client.close());
    await client.createBucket(bucket);
    const data = randomBytes(objectBytes);
    for (let i = 0; i < objectCount; i += 1) await client.putObject(bucket, `obj-${i}`, data);
    const program = join(scratch.dir, 'identity.cjs');
    await writeFile(program, identity);
    await client.etl.init({ name: 'identity', runtime: { command: ['node', program] } });
    await throughput(client, undefined); // warm-up: page cache and connections
    plain = await throughput(client, undefined);
    inline = await throughput(client, { name: 'identity' });
    await client.createBucket(offlineBucket);
    for (let i = 0; i < offlineObjects; i += 1)
      await client.putObject(offlineBucket, `obj-${i}`, data);
    copySeconds = await jobSeconds(client, () =>
      client.jobs.copyBucket(offlineBucket, { name: 'etlbench-copy', provider: 'ais' }),
    );
    transformSeconds = await jobSeconds(client, () =>
      client.jobs.transformBucket(
        offlineBucket,
        { name: 'etlbench-transformed', provider: 'ais' },
        { id: 'identity' },
      ),
    );
  });
  const offlineMiB = (offlineObjects * objectBytes) / 1024 / 1024;
  await publish('etl-inline', 'ETL inline and offline (hpush, identity transformer in Node)', [
    {
      workload: `GET 1 MiB x${concurrency}`,
      subject: 'GET ?etl_name=identity',
      yardstick: 'plain GET',
      unit: 'MiB/s',
      subjectValue: inline,
      yardstickValue: plain,
      goal: 0.5,
    },
    {
      workload: `bucket of ${offlineObjects} x 1 MiB`,
      subject: 'etl-bck (identity)',
      yardstick: 'copy-bck',
      unit: 'MiB/s',
      subjectValue: transformSeconds === undefined ? undefined : offlineMiB / transformSeconds,
      yardstickValue: copySeconds === undefined ? undefined : offlineMiB / copySeconds,
      goal: 0.5,
    },
  ]);
}

await main();
