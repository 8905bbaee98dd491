// S3 against the native API on the same cluster, in one run: PUT and GET throughput of the same
// object sizes at the same concurrency through (1) Cairn's SDK straight to the owning target (the
// default "direct" mode), (2) Cairn's SDK through a gateway's 307 redirect, and (3) the AWS SDK v3
// through a gateway (S3 is proxied by the gateway). The modes take turns, round by round, so that
// the noise of a shared machine falls on all of them alike; each figure is the median of the rounds.
//
//   npm run bench -- [--sizes 4k,1m,64m] [--rounds 3] [--parallel 8] [--megabytes 256] [--objects 1000]
//
// (`node dist/bench/s3-throughput.js ...` after `npm run build` does the same.) `--megabytes` is
// the data moved per size, per mode, per round: at least 32 objects, at most `--objects`.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { TestCluster } from '../test/harness/test-cluster.js';
import { accessKey, region, secretKey } from '../test/harness/s3-setup.js';
import type { Client } from '../src/sdk/index.js';
import { median } from './lib/median.js';

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '4k,1m,64m' },
    rounds: { type: 'string', default: '3' },
    parallel: { type: 'string', default: '8' },
    megabytes: { type: 'string', default: '256' },
    objects: { type: 'string', default: '1000' },
  },
});
const sizes = options.sizes.split(',').map(parseSize);
const rounds = Number(options.rounds);
const parallel = Number(options.parallel);
const bytesPerRun = Number(options.megabytes) * 1024 * 1024;
const maxObjects = Number(options.objects);

function parseSize(text: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(text.trim());
  if (match === null) throw new Error(`bad size "${text}" (e.g. 4k, 1m, 64m)`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]?.toLowerCase() ?? ''] ?? 1;
  return Number(match[1]) * unit;
}

function sizeLabel(bytes: number): string {
  if (bytes >= 1024 ** 2) return `${bytes / 1024 ** 2} MiB`;
  return `${bytes / 1024} KiB`;
}

/** One way of moving objects: PUT and GET (the GET reads the whole body). */
interface Mode {
  name: string;
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<void>;
}

async function drain(body: AsyncIterable<unknown>): Promise<void> {
  for await (const chunk of body) void chunk;
}

function nativeMode(name: string, client: Client): Mode {
  const bucket = { name: 'bench', provider: 'ais' };
  return {
    name,
    put: (key, data) => client.putObject(bucket, key, data),
    get: async (key) => drain((await client.getObject(bucket, key)).body),
  };
}

function s3Mode(endpoint: string): Mode & { client: S3Client; close(): void } {
  const s3 = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    maxAttempts: 1,
    // The SDK's default agent keeps 50 sockets; say so, so the pool is never the limit.
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }),
    }),
  });
  return {
    name: 'S3 via gateway',
    client: s3,
    put: async (key, data) => {
      await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: data }));
    },
    get: async (key) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
      await drain(got.Body as AsyncIterable<unknown>);
    },
    close: () => s3.destroy(),
  };
}

/** Runs `count` operations, `parallel` at a time; returns MiB/s. */
async function throughput(
  count: number,
  sizeBytes: number,
  task: (index: number) => Promise<void>,
): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (count * sizeBytes) / 1024 ** 2 / seconds;
}

const cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 2 });
const s3 = s3Mode(cluster.primary.publicUrl);
// Ctrl-C still stops the cluster's processes and removes its directory.
process.once('SIGINT', () => {
  void cluster.destroy().finally(() => process.exit(130));
});
try {
  const modes: Mode[] = [
    nativeMode('native direct', cluster.client(0)),
    nativeMode('native redirect', cluster.client(0, { direct: false })),
    s3,
  ];
  await s3.client.send(new CreateBucketCommand({ Bucket: 'bench' }));
  process.stdout.write(
    `3 targets x 2 mountpaths, 1 gateway; ${parallel} in parallel; median of ${rounds} rounds\n\n`,
  );
  process.stdout.write(
    `| size | op | ${modes.map((mode) => mode.name).join(' | ')} | S3/direct | S3/redirect |\n`,
  );
  process.stdout.write(`|---|---|${modes.map(() => '---:|').join('')}---:|---:|\n`);
  for (const sizeBytes of sizes) {
    const data = randomBytes(sizeBytes);
    const count = Math.min(maxObjects, Math.max(32, Math.round(bytesPerRun / sizeBytes)));
    const results = { PUT: modes.map((): number[] => []), GET: modes.map((): number[] => []) };
    for (let round = 0; round < rounds; round += 1) {
      // Rotate who goes first so no mode always follows the same neighbour.
      for (let step = 0; step < modes.length; step += 1) {
        const index = (round + step) % modes.length;
        const mode = modes[index] as Mode;
        const prefix = `${sizeBytes}/${index}/${round}`;
        const put = (i: number): Promise<void> => mode.put(`${prefix}/${i}`, data);
        results.PUT[index]?.push(await throughput(count, sizeBytes, put));
        const get = (i: number): Promise<void> => mode.get(`${prefix}/${i}`);
        results.GET[index]?.push(await throughput(count, sizeBytes, get));
      }
    }
    for (const op of ['PUT', 'GET'] as const) {
      const [direct = 0, redirect = 0, viaS3 = 0] = results[op].map(median);
      const cells = [direct, redirect, viaS3].map((value) => `${value.toFixed(1)} MiB/s`);
      const ratios = [viaS3 / direct, viaS3 / redirect].map((value) => value.toFixed(2));
      process.stdout.write(
        `| ${sizeLabel(sizeBytes)} | ${op} | ${cells.join(' | ')} | ${ratios.join(' | ')} |\n`,
      );
    }
  }
} finally {
  s3.close();
  await cluster.destroy();
}
