// What S3 server-side encryption costs (issue 19's figure): PUT and GET of 1 MiB objects through
// the S3 API into a bucket with default encryption (SSE-S3) against the same into a plain bucket
// of the same playground (goal >= 0.7 each), driven by `cairn bench --s3`. Phases take turns over
// a few rounds; medians are compared, as MiB/s and as MiB per CPU second of the playground's
// processes (steadier than MiB/s on a shared machine).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { figureOf, runBenchClient, sizeArguments } from './lib/bench-client.js';
import { playgroundS3Keys } from './lib/cairn-s3.js';
import { Playground } from './lib/playground.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';
import { phaseSeconds, sizeCases } from './lib/sizes.js';
import { median } from './lib/median.js';

const rounds = Number(process.env['BENCH_SSE_ROUNDS'] ?? 3);
const size = sizeCases.find((candidate) => candidate.label === '1MiB') ?? sizeCases[0];

async function main(): Promise<void> {
  if (size === undefined) throw new Error('no 1MiB size case');
  const figures = {
    plainPut: [] as number[],
    plainGet: [] as number[],
    ssePut: [] as number[],
    sseGet: [] as number[],
    plainPutPerCpu: [] as number[],
    plainGetPerCpu: [] as number[],
    ssePutPerCpu: [] as number[],
    sseGetPerCpu: [] as number[],
  };
  await withScratch('sse-cost', async (scratch) => {
    const keyFile = join(scratch.dir, 'sse-master.key');
    await writeFile(keyFile, randomBytes(32).toString('hex'));
    const playground = await Playground.start(scratch, undefined, {
      ...process.env,
      CAIRN_SSE_MASTER_KEY_FILE: keyFile,
    });
    const s3 = new S3Client({
      endpoint: playground.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: {
        accessKeyId: playgroundS3Keys.accessKey,
        secretAccessKey: playgroundS3Keys.secretKey,
      },
    });
    scratch.defer(() => {
      s3.destroy();
      return Promise.resolve();
    });
    for (const bucket of ['sse-plain', 'sse-encrypted'])
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'sse-encrypted',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    /** One phase into `bucket`: MiB/s, and MiB per CPU second of the playground's processes. */
    const phase = async (bucket: string, workload: 'put' | 'get') => {
      const cpuBefore = (await playground.cpuSeconds()).total;
      const run = await runBenchClient([
        '--s3',
        '--endpoint',
        playground.endpoint,
        '--access-key',
        playgroundS3Keys.accessKey,
        '--secret-key',
        playgroundS3Keys.secretKey,
        '--bucket',
        bucket,
        '--workload',
        workload,
        // The GET phase reads what the PUT phase left.
        ...(workload === 'put' ? ['--no-cleanup'] : []),
        ...sizeArguments(size, phaseSeconds),
      ]);
      const cpuSeconds = (await playground.cpuSeconds()).total - cpuBefore;
      const mib = (run.operation(workload)?.bytes ?? Number.NaN) / 2 ** 20;
      return { rate: figureOf(run, workload, size) ?? Number.NaN, perCpu: mib / cpuSeconds };
    };
    const measure = async (bucket: string) => {
      const put = await phase(bucket, 'put');
      const get = await phase(bucket, 'get');
      return { put: put.rate, get: get.rate, putPerCpu: put.perCpu, getPerCpu: get.perCpu };
    };
    for (let round = 0; round < rounds; round += 1) {
      const plain = await measure('sse-plain');
      const sse = await measure('sse-encrypted');
      figures.plainPut.push(plain.put);
      figures.plainGet.push(plain.get);
      figures.ssePut.push(sse.put);
      figures.sseGet.push(sse.get);
      figures.plainPutPerCpu.push(plain.putPerCpu);
      figures.plainGetPerCpu.push(plain.getPerCpu);
      figures.ssePutPerCpu.push(sse.putPerCpu);
      figures.sseGetPerCpu.push(sse.getPerCpu);
      process.stderr.write(
        `sse-cost: round ${round + 1}: PUT plain ${plain.put.toFixed(0)} / SSE-S3 ${sse.put.toFixed(0)}, GET plain ${plain.get.toFixed(0)} / SSE-S3 ${sse.get.toFixed(0)} MiB/s\n`,
      );
    }
  });
  const list = (values: readonly number[]): string => values.map((v) => v.toFixed(0)).join('/');
  await publish('sse-cost', 'S3 server-side encryption (SSE-S3) on the data path', [
    {
      workload: `S3 PUT 1MiB (cairn bench --s3, through the gateway), median of ${rounds}`,
      subject: 'bucket with default encryption (SSE-S3)',
      yardstick: 'plain bucket',
      unit: 'MiB/s',
      subjectValue: median(figures.ssePut),
      yardstickValue: median(figures.plainPut),
      goal: 0.7,
      note: `SSE-S3 ${list(figures.ssePut)}, plain ${list(figures.plainPut)}`,
    },
    {
      workload: `S3 GET 1MiB (cairn bench --s3, through the gateway), median of ${rounds}`,
      subject: 'bucket with default encryption (SSE-S3)',
      yardstick: 'plain bucket',
      unit: 'MiB/s',
      subjectValue: median(figures.sseGet),
      yardstickValue: median(figures.plainGet),
      goal: 0.7,
      note: `SSE-S3 ${list(figures.sseGet)}, plain ${list(figures.plainGet)}`,
    },
    ...(['Put', 'Get'] as const).map((operation) => {
      const sse = figures[`sse${operation}PerCpu`];
      const plain = figures[`plain${operation}PerCpu`];
      return {
        workload: `S3 ${operation.toUpperCase()} 1MiB, MiB per CPU second of the playground's processes, median of ${rounds}`,
        subject: 'bucket with default encryption (SSE-S3)',
        yardstick: 'plain bucket',
        unit: 'MiB/CPU-s',
        subjectValue: median(sse),
        yardstickValue: median(plain),
        goal: 0.7,
        note: `SSE-S3 ${list(sse)}, plain ${list(plain)}`,
      };
    }),
  ]);
}

await main();
