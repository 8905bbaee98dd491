// `cairn bench`: the load generator. PUT, GET and mixed workloads against a Cairn cluster (native
// API), any S3 endpoint (SigV4), or a plain HTTP server, with a live progress line and a report.
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';
import { parseBenchOptions, type RawBenchOptions } from './bench-options.js';

export type { BenchReport, OperationReport, PhaseReport } from './report.js';

const examples = `
Examples:
  cairn bench --endpoint http://127.0.0.1:8080 --size 1MiB --concurrency 16 --duration 5s
  cairn bench --workload mixed --read-percent 80 --size 4KiB-1MiB --duration 1m --verify
  cairn bench --s3 --endpoint http://127.0.0.1:8080 --access-key KEY --secret-key SECRET --json
  cairn bench --workload put --objects 10000 --no-cleanup      # then: --workload get
`;

/** Registers `bench`. */
export function registerBenchCommand(program: Command, io: CliIo): void {
  program
    .command('bench')
    .description('generate load (PUT, GET, mixed) and report throughput and latency')
    .option('--s3', 'speak S3 (SigV4) instead of the native API; same as --api s3')
    .addOption(new Option('--api <api>', 'native, s3, or http (plain PUT/GET, for yardsticks)'))
    .option(
      '--bucket <bucket>',
      'bucket to use, created (and at the end destroyed) if missing',
      'bench',
    )
    .option('--workload <phases>', 'phases in order: put, get, mixed (e.g. put,get)', 'put,get')
    .option('--size <size>', 'object size, or a range MIN-MAX (e.g. 4KiB-1MiB)', '1MiB')
    .option('--concurrency <count>', 'requests in flight', '16')
    .option('--duration <time>', 'length of each phase (500ms, 5s, 2m; default 10s)')
    .option('--total-bytes <size>', 'end each phase after this many bytes')
    .option('--objects <count>', 'name space size; without other limits, each phase visits it once')
    .option('--read-percent <percent>', 'mixed phases: share of GETs', '50')
    .option('--names <order>', 'random or sequential object names', 'random')
    .option('--prefix <prefix>', 'object name prefix', 'cairn-bench/')
    .option('--verify', 'check the bytes of every GET against what was written')
    .option('--no-cleanup', 'keep the objects written (and a bucket the run created)')
    .option('--json', 'print the report as JSON')
    .option('--quiet', 'no progress line')
    .option('--max-errors <count>', 'stop a phase after this many failed requests', '100')
    .addOption(new Option('--access-key <key>', 'S3 access key').env('AWS_ACCESS_KEY_ID'))
    .addOption(new Option('--secret-key <secret>', 'S3 secret key').env('AWS_SECRET_ACCESS_KEY'))
    .option('--region <region>', 'S3 region for signing', 'us-east-1')
    .addHelpText('after', examples)
    .action(
      commandAction(io, async (context, options: RawBenchOptions) => {
        // The load generator and its drivers are loaded when a bench runs, not at every CLI start.
        const { runBench } = await import('./run-bench.js');
        await runBench(context, parseBenchOptions(options, context.globals));
      }),
    );
}
