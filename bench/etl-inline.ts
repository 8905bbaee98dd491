// ETL cost, same playground, measured back to back: GET of 1 MiB objects through an identity
// transformer (hpush, Node) against a plain GET of the same objects at the same concurrency, in
// throughput and in server CPU per GET (gateway, targets and transformer processes, from /proc:
// steadier than throughput on a shared machine); and offline, `etl-bck` of
// BENCH_ETL_OFFLINE_OBJECTS (default 1,000) objects of 1 MiB through the same transformer against
// `copy-bck` of the same bucket.
// Both GET kinds are warmed up first (page cache, connections, and the JIT: an inline path run cold
// costs about half again as much CPU), then measured in BENCH_ROUNDS (default 1) alternating rounds,
// summed. A/B: BENCH_BASELINE_ENTRY=<another build's dist/src/bin/cairn.js> also starts a
// playground of that build and measures it in the same rounds, interleaved (rows marked
// `baseline`); BENCH_ETL_OFFLINE_OBJECTS=0 skips the offline rows.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { benchShape, Playground } from './lib/playground.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch, type Scratch } from './lib/scratch.js';

const bucket = { name: 'etlbench', provider: 'ais' };
const objectCount = 64;
const objectBytes = 1024 * 1024;
const concurrency = 8;
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const offlineObjects = Number(process.env['BENCH_ETL_OFFLINE_OBJECTS'] ?? 1000);
const offlineBucket = { name: 'etlbench-offline', provider: 'ais' };
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 1);
const baselineEntry = process.env['BENCH_BASELINE_ENTRY'];

/**
 * Streams the PUT body straight back (identity); given a target in `Ais-Node-Url` (direct put),
 * streams it there instead, under AIS_TARGET_URL's path, and answers 204.
 */
const identity = `
const http = require('node:http');
const base = new URL(process.env.AIS_TARGET_URL).pathname;
http.createServer((req, res) => {
  if (req.url === '/health') { res.end('Running'); return; }
  const length = req.headers['content-length'];
  const next = req.headers['ais-node-url'];
  if (next === undefined || next === '') {
    if (length !== undefined) res.setHeader('content-length', length);
    req.pipe(res);
    return;
  }
  const hop = new URL(next);
  const headers = length === undefined ? {} : { 'content-length': length };
  const put = http.request(hop.origin + base + hop.pathname + hop.search, { method: 'PUT', headers }, (answer) => {
    answer.resume();
    res.writeHead(answer.statusCode < 300 ? 204 : 502, length === undefined ? {} : { 'ais-direct-put-length': length });
    res.end();
  });
  put.on('error', (error) => { res.statusCode = 502; res.end(String(error)); });
  req.pipe(put);
}).listen(Number(process.env.PORT), process.env.HOST);
`;

type Client = ReturnType<Playground['client']>;

/** Sums over a kind of GET's measured phases. */
interface Phase {
  bytes: number;
  seconds: number;
  gets: number;
  /** Server CPU seconds: gateway, targets, transformers. */
  cpu: { proxy: number; target: number; transformer: number };
}

const noPhase = (): Phase => ({
  bytes: 0,
  seconds: 0,
  gets: 0,
  cpu: { proxy: 0, target: 0, transformer: 0 },
});

const mibPerSecond = (phase: Phase): number => phase.bytes / 1024 / 1024 / phase.seconds;

/** Server CPU milliseconds per GET. */
const cpuMs = (phase: Phase): Phase['cpu'] => ({
  proxy: (phase.cpu.proxy * 1000) / phase.gets,
  target: (phase.cpu.target * 1000) / phase.gets,
  transformer: (phase.cpu.transformer * 1000) / phase.gets,
});

/** CPU seconds of the transformer processes of `etl` on every target so far (none: 0). */
async function transformerCpuSeconds(client: Client, etl: string | undefined): Promise<number> {
  if (etl === undefined) return 0;
  const metrics = await client.etl.metrics(etl);
  return metrics.reduce((sum, metric) => sum + metric.cpu, 0);
}

/** `concurrency` loops reading objects round-robin for `seconds`, added to `sums`. */
async function phase(
  playground: Playground,
  client: Client,
  etl: { name: string } | undefined,
  sums: Phase,
): Promise<void> {
  const cpuBefore = await playground.cpuSeconds();
  const transformerBefore = await transformerCpuSeconds(client, etl?.name);
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let next = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const name = `obj-${next++ % objectCount}`;
      const { body } = await client.getObject(bucket, name, etl === undefined ? {} : { etl });
      for await (const chunk of body) sums.bytes += (chunk as Buffer).length;
      sums.gets += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  sums.seconds += (performance.now() - started) / 1000;
  const cpuAfter = await playground.cpuSeconds();
  sums.cpu.proxy += cpuAfter.proxy - cpuBefore.proxy;
  sums.cpu.target += cpuAfter.target - cpuBefore.target;
  sums.cpu.transformer += (await transformerCpuSeconds(client, etl?.name)) - transformerBefore;
}

const totalCpu = (phase: Phase | undefined): number | undefined => {
  if (phase === undefined) return undefined;
  const ms = cpuMs(phase);
  return ms.proxy + ms.target + ms.transformer;
};

/** `proxy / target / transformer` ms of CPU per GET, for the note. */
const cpuSplit = (phase: Phase | undefined): string =>
  phase === undefined
    ? ''
    : Object.values(cpuMs(phase))
        .map((ms) => ms.toFixed(2))
        .join(' / ');

/** A playground (of another build: `entry`) with the objects and the identity ETLs. */
async function setUp(
  scratch: Scratch,
  entry: string | undefined,
): Promise<{ playground: Playground; client: Client; plain: Phase; inline: Phase }> {
  const playground =
    entry === undefined
      ? await Playground.start(scratch)
      : await Playground.start(scratch, benchShape, process.env, {
          build: { entry, name: 'baseline' },
        });
  const client = playground.client();
  scratch.defer(() => client.close());
  await client.createBucket(bucket);
  const data = randomBytes(objectBytes);
  for (let i = 0; i < objectCount; i += 1) await client.putObject(bucket, `obj-${i}`, data);
  const program = join(scratch.dir, 'identity.cjs');
  await writeFile(program, identity);
  await client.etl.init({ name: 'identity', runtime: { command: ['node', program] } });
  await client.etl.init({
    name: 'identity-direct',
    runtime: { command: ['node', program] },
    support_direct_put: true,
  });
  // Warm-up of both paths: page cache, connections, the JIT.
  await phase(playground, client, undefined, noPhase());
  await phase(playground, client, { name: 'identity' }, noPhase());
  return { playground, client, plain: noPhase(), inline: noPhase() };
}

/** The inline rows of one build (`label`: which). */
function inlineRows(label: string, plain: Phase, inline: Phase): ResultRow[] {
  return [
    {
      workload: `GET 1 MiB x${concurrency}${label}`,
      subject: 'GET ?etl_name=identity',
      yardstick: 'plain GET',
      unit: 'MiB/s',
      subjectValue: mibPerSecond(inline),
      yardstickValue: mibPerSecond(plain),
      goal: 0.5,
    },
    {
      workload: `GET 1 MiB x${concurrency}${label}`,
      subject: 'GET ?etl_name=identity',
      yardstick: 'plain GET',
      unit: 'ms CPU/GET',
      subjectValue: totalCpu(inline),
      yardstickValue: totalCpu(plain),
      note: `gateway / targets / transformers: ${cpuSplit(inline)} vs ${cpuSplit(plain)}`,
    },
  ];
}

/** Seconds a bucket job takes from start to end. */
async function jobSeconds(client: Client, start: () => Promise<string>): Promise<number> {
  const started = performance.now();
  const status = await client.jobs.wait(await start(), { timeoutMs: 3_600_000 });
  if (status.err !== '') throw new Error(`${status.kind} failed: ${status.err}`);
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  let copySeconds: number | undefined;
  let transformSeconds: number | undefined;
  let directSeconds: number | undefined;
  await withScratch('etl', async (scratch) => {
    const subject = await setUp(scratch, undefined);
    const baseline = baselineEntry === undefined ? undefined : await setUp(scratch, baselineEntry);
    const builds = baseline === undefined ? [subject] : [subject, baseline];
    for (let round = 0; round < rounds; round += 1) {
      for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
        await phase(build.playground, build.client, undefined, build.plain);
        await phase(build.playground, build.client, { name: 'identity' }, build.inline);
      }
    }
    rows.push(...inlineRows('', subject.plain, subject.inline));
    if (baseline !== undefined)
      rows.push(...inlineRows(' (baseline)', baseline.plain, baseline.inline));
    if (offlineObjects === 0) return;
    const { client } = subject;
    const data = randomBytes(objectBytes);
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
    directSeconds = await jobSeconds(client, () =>
      client.jobs.transformBucket(
        offlineBucket,
        { name: 'etlbench-direct', provider: 'ais' },
        { id: 'identity-direct' },
      ),
    );
  });
  const offlineMiB = (offlineObjects * objectBytes) / 1024 / 1024;
  if (offlineObjects > 0)
    rows.push(
      {
        workload: `bucket of ${offlineObjects} x 1 MiB`,
        subject: 'etl-bck (identity)',
        yardstick: 'copy-bck',
        unit: 'MiB/s',
        subjectValue: transformSeconds === undefined ? undefined : offlineMiB / transformSeconds,
        yardstickValue: copySeconds === undefined ? undefined : offlineMiB / copySeconds,
        goal: 0.5,
      },
      {
        workload: `bucket of ${offlineObjects} x 1 MiB`,
        subject: 'etl-bck (identity, direct put)',
        yardstick: 'copy-bck',
        unit: 'MiB/s',
        subjectValue: directSeconds === undefined ? undefined : offlineMiB / directSeconds,
        yardstickValue: copySeconds === undefined ? undefined : offlineMiB / copySeconds,
        goal: 0.5,
      },
    );
  await publish('etl-inline', 'ETL inline and offline (hpush, identity transformer in Node)', rows);
}

await main();
