// The load of native-vs-nginx through the S3 API: Cairn's S3 API against its native API (goal:
// within 15%) and against another S3 server installed from npm, s3rver (goal: ahead of it), all
// driven by `cairn bench` in the same run. S3 goes through the gateway (S3 clients do not follow
// redirects for writes), so the last rows per size measure the floor of that: nginx through the
// cheapest Node pass-through proxy against nginx direct, and Cairn's S3 against that proxy.
import { join } from 'node:path';
import { S3rverProcess, s3rverCredentials } from '../test/harness/s3rver.js';
import { figureOf, runBenchClient, sizeArguments, type BenchRun } from './lib/bench-client.js';
import { playgroundS3Keys, s3Unavailable } from './lib/cairn-s3.js';
import { Nginx } from './lib/nginx.js';
import { startPassThroughProxy } from './lib/pass-through-proxy.js';
import { Playground } from './lib/playground.js';
import { freePortNear } from './lib/ports.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';
import { phaseSeconds, sizeCases, unitOf, type SizeCase } from './lib/sizes.js';

type Figures = Record<'put' | 'get', number | undefined>;

async function measure(args: string[], size: SizeCase): Promise<Figures | string> {
  let run: BenchRun;
  try {
    run = await runBenchClient([...args, ...sizeArguments(size, phaseSeconds)]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return { put: figureOf(run, 'put', size), get: figureOf(run, 'get', size) };
}

async function main(): Promise<void> {
  const rows: ResultRow[] = [];
  await withScratch('s3', async (scratch) => {
    const playground = await Playground.start(scratch);
    const s3rver = await S3rverProcess.start(join(scratch.dir, 's3rver'));
    scratch.defer(() => s3rver.stop());
    const nginx = await Nginx.start(scratch, await freePortNear(31_000));
    const proxy = await startPassThroughProxy(scratch, nginx.endpoint);
    const cairnS3Missing = await s3Unavailable(playground.endpoint);
    for (const size of sizeCases) {
      const native = await measure(['--endpoint', playground.endpoint], size);
      const cairnS3 =
        cairnS3Missing ??
        (await measure(
          [
            '--s3',
            '--endpoint',
            playground.endpoint,
            '--access-key',
            playgroundS3Keys.accessKey,
            '--secret-key',
            playgroundS3Keys.secretKey,
          ],
          size,
        ));
      const other = await measure(
        [
          '--s3',
          '--endpoint',
          s3rver.endpoint,
          '--access-key',
          s3rverCredentials.accessKey,
          '--secret-key',
          s3rverCredentials.secretKey,
        ],
        size,
      );
      const nginxDirect = await measure(['--api', 'http', '--endpoint', nginx.endpoint], size);
      const nginxProxied = await measure(['--api', 'http', '--endpoint', proxy], size);
      for (const phase of ['get', 'put'] as const) {
        const value = (figures: Figures | string): number | undefined =>
          typeof figures === 'string' ? undefined : figures[phase];
        const note = (figures: Figures | string): { note?: string } =>
          typeof figures === 'string' ? { note: figures } : {};
        const workload = `${phase.toUpperCase()} ${size.label}`;
        const unit = unitOf(size);
        rows.push(
          {
            workload,
            subject: 'Cairn S3',
            yardstick: 'Cairn native',
            unit,
            subjectValue: value(cairnS3),
            yardstickValue: value(native),
            goal: 0.85,
            ...note(cairnS3),
          },
          {
            workload,
            subject: 'Cairn S3',
            yardstick: 's3rver',
            unit,
            subjectValue: value(cairnS3),
            yardstickValue: value(other),
            goal: 1,
            ...note(cairnS3),
          },
          {
            workload,
            subject: 'Cairn native',
            yardstick: 's3rver',
            unit,
            subjectValue: value(native),
            yardstickValue: value(other),
            ...note(other),
          },
          {
            workload,
            subject: 'Cairn S3',
            yardstick: 'nginx via Node proxy',
            unit,
            subjectValue: value(cairnS3),
            yardstickValue: value(nginxProxied),
            // Issue 11: the hop is the floor, Cairn adds nothing above it.
            ...(phase === 'get' && size.label === '1MiB' ? { goal: 0.9 } : {}),
            ...note(cairnS3),
          },
          {
            workload,
            subject: 'nginx via Node proxy',
            yardstick: 'nginx direct',
            unit,
            subjectValue: value(nginxProxied),
            yardstickValue: value(nginxDirect),
            note: 'floor of one proxy hop',
          },
        );
      }
      process.stderr.write(`s3-api: ${size.label} done\n`);
    }
  });
  await publish('s3-api', 'S3 API vs native API and s3rver (cairn bench, same run)', rows);
}

await main();
