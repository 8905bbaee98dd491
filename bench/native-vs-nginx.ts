// GET and PUT of 4 KiB, 1 MiB and 64 MiB objects through Cairn's native API (a playground
// cluster) against nginx serving and accepting (WebDAV) the same sizes from the same disk; GETs
// measured with wrk and with `cairn bench`, PUTs with `cairn bench`. Each server runs once per
// round, in rotating order (BENCH_ROUNDS, default 3; 64 MiB once); a figure is its rounds' median.
// The plainest Node file server (bench/lib/node-file-server.ts) runs the same loads as the
// platform's floor: what Node's HTTP stack alone reaches on these cores, against nginx and Cairn.
// The same server in memory mode (no disk: GETs from memory, PUT bodies dropped) is Node's ceiling:
// a goal above its ratio to nginx is out of reach for any server on node:http on these cores.
// Goals are issue 11's.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../src/sdk/index.js';
import { figureOf, runBenchClient, sizeArguments, type BenchRun } from './lib/bench-client.js';
import { medianOf } from './lib/median.js';
import { Nginx } from './lib/nginx.js';
import { startNodeFileServer } from './lib/node-file-server.js';
import { benchShape, Playground } from './lib/playground.js';
import { freePortNear } from './lib/ports.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { inRotation } from './lib/rotation.js';
import { withScratch } from './lib/scratch.js';
import { phaseSeconds, sizeCases, unitOf, type SizeCase } from './lib/sizes.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const bucket = { name: 'wrk', provider: 'ais' };
/** Rounds per size up to 1 MiB (BENCH_ROUNDS); 64 MiB runs once (a round takes a minute). */
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);

/** Issue 11's goals for Cairn / nginx: GETs measured with wrk, PUTs against nginx's WebDAV PUT. */
const issueGoals: Readonly<Record<string, { get?: number; put?: number }>> = {
  '4KiB': { get: 0.5, put: 0.5 },
  '1MiB': { get: 0.9, put: 0.8 },
};

/** One object per target (names chosen so that each target owns one), and the same files in nginx. */
async function placeWrkObjects(
  playground: Playground,
  client: Client,
  nginx: Nginx,
  nodeEndpoints: readonly string[],
  size: SizeCase,
): Promise<{ cairnUrls: string[]; nginxUrls: string[]; nodeUrls: string[][] }> {
  const data = Buffer.alloc(size.bytes, 0x5a);
  const targets = await playground.targetUrls(client);
  const byTarget = new Map<string, string>();
  for (let index = 0; byTarget.size < targets.length && index < 1000; index += 1) {
    const name = `${size.label}-${index}`;
    const url = await playground.directObjectUrl(client, bucket, name);
    const origin = new URL(url).origin;
    if (!byTarget.has(origin)) {
      await client.putObject(bucket, name, data);
      byTarget.set(origin, url);
    }
  }
  const nginxUrls: string[] = [];
  const nodeUrls = nodeEndpoints.map((): string[] => []);
  await mkdir(join(nginx.root, 'wrk'), { recursive: true });
  for (let index = 0; index < byTarget.size; index += 1) {
    await writeFile(join(nginx.root, 'wrk', `${size.label}-${index}`), data);
    nginxUrls.push(`${nginx.endpoint}/wrk/${size.label}-${index}`);
    nodeEndpoints.forEach((endpoint, server) =>
      nodeUrls[server]?.push(`${endpoint}/wrk/${size.label}-${index}`),
    );
  }
  return { cairnUrls: [...byTarget.values()], nginxUrls, nodeUrls };
}

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  await withScratch('native', async (scratch) => {
    const playground = await Playground.start(scratch);
    const nginx = await Nginx.start(scratch, await freePortNear(31_000));
    // Serves nginx's root (the same files), one worker per target as Cairn runs one target per core.
    const nodeEndpoint = await startNodeFileServer(
      scratch,
      nginx.root,
      await freePortNear(31_100),
      benchShape.targets,
    );
    const ceilingEndpoint = await startNodeFileServer(
      scratch,
      nginx.root,
      await freePortNear(31_200),
      benchShape.targets,
      'memory',
    );
    const client = playground.client();
    scratch.defer(() => client.close());
    await client.createBucket(bucket);
    for (const size of sizeCases) {
      const common = sizeArguments(size, phaseSeconds);
      // Every server runs once per round, the order rotating each round; a figure is the median of
      // its rounds. nginx's WebDAV PUT of 4 KiB swung 7x between two runs minutes apart (10,216 and
      // 1,432 ops/s, session 44): one run of each cannot give a ratio.
      const sizeRounds = size.bytes > 1024 ** 2 ? 1 : rounds;
      const [viaNginx, viaNode, viaCeiling, viaCairn] = await inRotation(sizeRounds, [
        () => runBenchClient(['--api', 'http', '--endpoint', nginx.endpoint, ...common]),
        () => runBenchClient(['--api', 'http', '--endpoint', nodeEndpoint, ...common]),
        () => runBenchClient(['--api', 'http', '--endpoint', ceilingEndpoint, ...common]),
        () => runBenchClient(['--endpoint', playground.endpoint, ...common]),
      ]);
      const { cairnUrls, nginxUrls, nodeUrls } = await placeWrkObjects(
        playground,
        client,
        nginx,
        [nodeEndpoint, ceilingEndpoint],
        size,
      );
      const [wrkNginx, wrkNode, wrkCeiling, wrkCairn] = await inRotation(
        sizeRounds,
        [nginxUrls, nodeUrls[0] ?? [], nodeUrls[1] ?? [], cairnUrls].map(
          (urls) => () => runWrk(urls, size.concurrency, phaseSeconds),
        ),
      );
      const wrkFigure = (results: readonly WrkResult[] = []): number | undefined =>
        medianOf(
          results.map((result) =>
            result.errors > 0
              ? undefined
              : size.metric === 'ops'
                ? result.requestsPerSecond
                : result.mibPerSecond,
          ),
        );
      const benchFigure = (
        phase: 'put' | 'get',
        runs: readonly BenchRun[] = [],
      ): number | undefined => medianOf(runs.map((run) => figureOf(run, phase, size)));
      const goal = issueGoals[size.label];
      const base = { subject: 'Cairn native', yardstick: 'nginx', unit: unitOf(size) };
      const nodeServer = 'node:http file server';
      const nodeCeiling = 'node:http from memory';
      rows.push(
        {
          ...base,
          workload: `GET ${size.label} (wrk)`,
          subjectValue: wrkFigure(wrkCairn),
          yardstickValue: wrkFigure(wrkNginx),
          ...(goal?.get === undefined ? {} : { goal: goal.get }),
        },
        {
          ...base,
          workload: `GET ${size.label} (wrk)`,
          subject: nodeServer,
          subjectValue: wrkFigure(wrkNode),
          yardstickValue: wrkFigure(wrkNginx),
          note: "Node's floor",
        },
        {
          ...base,
          workload: `GET ${size.label} (wrk)`,
          subject: nodeCeiling,
          subjectValue: wrkFigure(wrkCeiling),
          yardstickValue: wrkFigure(wrkNginx),
          note: "Node's ceiling",
        },
        {
          ...base,
          workload: `GET ${size.label} (wrk)`,
          yardstick: nodeServer,
          subjectValue: wrkFigure(wrkCairn),
          yardstickValue: wrkFigure(wrkNode),
        },
        {
          ...base,
          workload: `GET ${size.label} (cairn bench)`,
          subjectValue: benchFigure('get', viaCairn),
          yardstickValue: benchFigure('get', viaNginx),
        },
        {
          ...base,
          workload: `PUT ${size.label} (cairn bench)`,
          yardstick: 'nginx WebDAV',
          subjectValue: benchFigure('put', viaCairn),
          yardstickValue: benchFigure('put', viaNginx),
          ...(goal?.put === undefined ? {} : { goal: goal.put }),
        },
        {
          ...base,
          workload: `PUT ${size.label} (cairn bench)`,
          subject: nodeServer,
          yardstick: 'nginx WebDAV',
          subjectValue: benchFigure('put', viaNode),
          yardstickValue: benchFigure('put', viaNginx),
          note: "Node's floor",
        },
        {
          ...base,
          workload: `PUT ${size.label} (cairn bench)`,
          subject: nodeCeiling,
          yardstick: 'nginx WebDAV',
          subjectValue: benchFigure('put', viaCeiling),
          yardstickValue: benchFigure('put', viaNginx),
          note: "Node's ceiling",
        },
        {
          ...base,
          workload: `PUT ${size.label} (cairn bench)`,
          yardstick: nodeServer,
          subjectValue: benchFigure('put', viaCairn),
          yardstickValue: benchFigure('put', viaNode),
        },
      );
      process.stderr.write(`native-vs-nginx: ${size.label} done\n`);
    }
  });
  await publish('native-vs-nginx', 'Native API vs nginx (same disk, same clients)', rows);
}

await main();
