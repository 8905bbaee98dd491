// The fast tier over a remote S3 bucket (issue 13's goals): with s3rver as the remote, N objects
// of 1 MiB (BENCH_TIER_OBJECTS, default 200) read with 8 readers at a time
//   - cold GET through Cairn (each object's first read: fetched from the remote, stored, served)
//     against the same reads made directly from s3rver with the AWS SDK (goal >= 0.8);
//   - warm GET through Cairn (the same objects, now cached) against GETs of an ais:// bucket holding
//     the same objects on the same playground (goal >= 0.95);
//   - prefetch of every object (after an eviction) against the direct reads (goal >= 0.8).
// The direct reads run first and last and count as their mean: s3rver warms up as it serves. Both
// sides are measured after a warm-up pass (a cold pass through Cairn is undone by an eviction).
// Each Cairn row notes the nodes' CPU per object (gateway + targets, /proc), steadier than a
// rate on a shared machine. A/B: BENCH_BASELINE_ENTRY (lib/playground.ts `baselineBuild`).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Client, BucketJson } from '../src/sdk/index.js';
import { S3rverProcess, s3rverCredentials } from '../test/harness/s3rver.js';
import { baselineBuild, Playground } from './lib/playground.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const objectCount = Number(process.env['BENCH_TIER_OBJECTS'] ?? 200);
const objectBytes = 1024 * 1024;
const readers = 8;
const remoteBucket = 'tier';
const cached: BucketJson = { name: remoteBucket, provider: 'aws' };
const plain: BucketJson = { name: 'tier-plain', provider: 'ais' };
const nameOf = (index: number): string => `obj-${String(index).padStart(5, '0')}`;
const mib = (objectCount * objectBytes) / (1024 * 1024);

/** Runs `read` over every object name, `readers` at a time; returns MiB/s. */
async function readAll(read: (name: string) => Promise<number>): Promise<number> {
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let index = next++; index < objectCount; index = next++) {
      const length = await read(nameOf(index));
      bytes += length;
    }
  };
  await Promise.all(Array.from({ length: readers }, worker));
  if (bytes !== objectCount * objectBytes) throw new Error(`read ${bytes} bytes, not ${mib} MiB`);
  return mib / ((performance.now() - started) / 1000);
}

async function drain(body: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).length;
  return bytes;
}

const throughCairn = (client: Client, bucket: BucketJson) => async (name: string) =>
  drain((await client.getObject(bucket, name)).body);

async function main(): Promise<void> {
  const rates: Record<'direct' | 'cold' | 'warm' | 'plain' | 'prefetch', number> = {
    direct: 0,
    cold: 0,
    warm: 0,
    plain: 0,
    prefetch: 0,
  };
  /** The nodes' CPU per object of each Cairn phase, in ms: total (gateway + targets), targets. */
  const cpu = new Map<keyof typeof rates, { total: number; target: number }>();
  await withScratch('remote-tier', async (scratch) => {
    const s3rver = await S3rverProcess.start(join(scratch.dir, 's3rver'));
    scratch.defer(() => s3rver.stop());
    const s3 = new S3Client({
      endpoint: s3rver.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: {
        accessKeyId: s3rverCredentials.accessKey,
        secretAccessKey: s3rverCredentials.secretKey,
      },
    });
    scratch.defer(() => {
      s3.destroy();
      return Promise.resolve();
    });
    const data = randomBytes(objectBytes);
    await s3.send(new CreateBucketCommand({ Bucket: remoteBucket }));
    const playground = await Playground.start(scratch, undefined, process.env, baselineBuild());
    const measured = async <T>(phase: keyof typeof rates, run: () => Promise<T>): Promise<T> => {
      const before = await playground.cpuSeconds();
      const result = await run();
      const after = await playground.cpuSeconds();
      cpu.set(phase, {
        total: ((after.total - before.total) * 1000) / objectCount,
        target: ((after.target - before.target) * 1000) / objectCount,
      });
      return result;
    };
    const client = playground.client();
    scratch.defer(() => client.close());
    await client.cluster.setConfig({
      'backend.aws_profiles': JSON.stringify({
        local: {
          endpoint: s3rver.endpoint,
          access_key_id: s3rverCredentials.accessKey,
          secret_access_key: s3rverCredentials.secretKey,
        },
      }),
    });
    await client.createBucket(cached, { extra: { aws: { profile: 'local' } } });
    await client.createBucket(plain);
    for (let index = 0; index < objectCount; index += readers)
      await Promise.all(
        Array.from({ length: Math.min(readers, objectCount - index) }, async (_, offset) => {
          const name = nameOf(index + offset);
          await s3.send(new PutObjectCommand({ Bucket: remoteBucket, Key: name, Body: data }));
          await client.putObject(plain, name, data);
        }),
      );

    const direct = async (name: string): Promise<number> => {
      const answer = await s3.send(new GetObjectCommand({ Bucket: remoteBucket, Key: name }));
      return drain(answer.Body as AsyncIterable<unknown>);
    };
    // Warm-up, not measured: one pass of direct reads, and one of cold reads through Cairn undone
    // by an eviction. A node's first cold GETs load modules and compile the whole fetch-and-store
    // path (the first round cost the targets 33-39 ms per object, later ones 13-15: remote4's
    // finding); a cluster serves in that steady state, and the direct reads get the same warm-up.
    await readAll(direct);
    await readAll(throughCairn(client, cached));
    await client.jobs.evictRemoteBucket(cached, true);
    const directFirst = await readAll(direct);
    rates.cold = await measured('cold', () => readAll(throughCairn(client, cached)));
    rates.warm = await measured('warm', () => readAll(throughCairn(client, cached)));
    rates.plain = await measured('plain', () => readAll(throughCairn(client, plain)));

    await client.jobs.evictRemoteBucket(cached, true);
    const started = performance.now();
    const { id, status } = await measured('prefetch', async () => {
      const id = await client.jobs.prefetchObjects(cached, { template: '' });
      return { id, status: await client.jobs.wait(id, { timeoutMs: 600_000, intervalMs: 100 }) };
    });
    rates.prefetch = mib / ((performance.now() - started) / 1000);
    if (status.err !== '') throw new Error(`prefetch failed: ${status.err}`);
    const snapshots = Object.values(await client.jobs.snapshots({ id })).flat();
    const fetched = snapshots.reduce((sum, snap) => sum + Number(snap.stats['loc-objs'] ?? 0), 0);
    if (fetched !== objectCount)
      throw new Error(`prefetch fetched ${fetched} objects, not ${objectCount}`);
    rates.direct = (directFirst + (await readAll(direct))) / 2;
  });
  const cpuNote = (phase: keyof typeof rates): string => {
    const { total, target } = cpu.get(phase) ?? { total: NaN, target: NaN };
    return `nodes' CPU ${total.toFixed(2)} ms/object (targets ${target.toFixed(2)})`;
  };
  const note = (ratio: number, goal: number, phase: keyof typeof rates): string =>
    `goal >= ${goal}: ${ratio >= goal ? 'ok' : 'short'}; ${cpuNote(phase)}`;
  const build = baselineBuild().build === undefined ? '' : ' (baseline build)';
  const workload = `${objectCount} x 1 MiB, ${readers} readers`;
  const direct = 'GET from s3rver directly (AWS SDK)';
  await publish('remote-tier', `Fast tier over a remote S3 bucket (s3rver)`, [
    {
      workload,
      subject: `cold GET through Cairn (aws://)${build}`,
      yardstick: direct,
      unit: 'MiB/s',
      subjectValue: rates.cold,
      yardstickValue: rates.direct,
      note: note(rates.cold / rates.direct, 0.8, 'cold'),
    },
    {
      workload,
      subject: `warm GET through Cairn (aws://, cached)${build}`,
      yardstick: 'GET of an ais:// bucket',
      unit: 'MiB/s',
      subjectValue: rates.warm,
      yardstickValue: rates.plain,
      note: `${note(rates.warm / rates.plain, 0.95, 'warm')}; ais:// ${cpuNote('plain')}`,
    },
    {
      workload: `${objectCount} x 1 MiB`,
      subject: `prefetch job (after an eviction)${build}`,
      yardstick: direct,
      unit: 'MiB/s',
      subjectValue: rates.prefetch,
      yardstickValue: rates.direct,
      note: note(rates.prefetch / rates.direct, 0.8, 'prefetch'),
    },
  ]);
}

await main();
