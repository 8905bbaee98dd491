// S3 against the native API on the same cluster, in one run: PUT and GET throughput of the same
// objects through a gateway (AWS SDK v3) and through the native API (Cairn's SDK), and the ratio.
// Run with `npm run bench` (or `node dist/bench/s3-throughput.js [objectMiB] [count] [parallel]`).
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { TestCluster } from '../test/harness/test-cluster.js';
import { sdkClient } from '../test/harness/s3-setup.js';

const objectMiB = Number(process.argv[2] ?? 8);
const count = Number(process.argv[3] ?? 64);
const parallel = Number(process.argv[4] ?? 8);

async function timed(label: string, task: (index: number) => Promise<void>): Promise<number> {
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
  const mibPerSecond = (objectMiB * count) / seconds;
  process.stdout.write(`${label.padEnd(12)} ${mibPerSecond.toFixed(1).padStart(8)} MiB/s\n`);
  return mibPerSecond;
}

async function drain(body: unknown): Promise<void> {
  for await (const chunk of body as AsyncIterable<Uint8Array>) void chunk;
}

const cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 2 });
try {
  const data = randomBytes(objectMiB * 1024 * 1024);
  const native = cluster.client(0);
  const s3 = sdkClient(cluster.primary.publicUrl);
  const bucket = { name: 'bench', provider: 'ais' };
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  process.stdout.write(`${count} objects of ${objectMiB} MiB, ${parallel} in parallel\n`);
  const nativePut = await timed('native PUT', (i) =>
    native.putObject(bucket, `native/${i}`, data).then(() => undefined),
  );
  const s3Put = await timed('S3 PUT', (i) =>
    s3
      .send(new PutObjectCommand({ Bucket: 'bench', Key: `s3/${i}`, Body: data }))
      .then(() => undefined),
  );
  const nativeGet = await timed('native GET', (i) =>
    native.getObjectBytes(bucket, `native/${i}`).then(() => undefined),
  );
  const s3Get = await timed('S3 GET', async (i) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: `s3/${i}` }));
    await drain(got.Body);
  });
  process.stdout.write(
    `S3/native PUT ${(s3Put / nativePut).toFixed(2)}, GET ${(s3Get / nativeGet).toFixed(2)}\n`,
  );
  s3.destroy();
} finally {
  await cluster.destroy();
}
