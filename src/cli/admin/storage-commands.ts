// `cairn storage scrub|mirror|ec-encode BUCKET`: data protection jobs over a whole bucket, each
// waited for with a progress bar on stderr. mirror and ec-encode print the job ID on stdout;
// scrub prints its counts there (its job ID goes to stderr with the progress).
import type { Command } from 'commander';
import {
  bucketDisplayName,
  ListFlag,
  type BucketJson,
  type Client,
  type JobSnapshotsByNodeJson,
} from '../../sdk/index.js';
import { parseBucket, positiveInteger } from '../arguments.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { sumCounter, waitForJob } from './job-commands.js';

/** Counting objects for the bar stops here (the bar then grows with the work). */
const maxCountedObjects = 1_000_000;

/** Scrub's counters in the job snapshots, and how the summary names them. */
const scrubCounts = [
  ['checked', 'scrub-checked'],
  ['corrupt', 'scrub-corrupt'],
  ['repaired', 'scrub-repaired'],
  ['unrecoverable', 'scrub-unrecoverable'],
  ['degraded', 'scrub-degraded'],
  ['errors', 'scrub-errors'],
] as const;

interface WaitOptions {
  wait: boolean;
  timeout: number;
}

/** Registers the `storage` command group. */
export function registerStorageCommands(program: Command, io: CliIo): void {
  const storage = program
    .command('storage')
    .description('data protection: scrub, mirror copies, erasure coding');

  storage
    .command('scrub')
    .description('verify every replica, copy and EC slice of a bucket; repair what can be')
    .argument('<bucket>', 'ais://bucket')
    .option('--timeout <seconds>', 'give up waiting after this long', positiveInteger, 3600)
    .option('--json', 'print the counts as JSON')
    .action(
      commandAction(
        io,
        async (context, uri: string, options: { timeout: number; json?: boolean }) => {
          const bucket = parseBucket(uri);
          const id = await context.client.jobs.scrub(bucket);
          context.note(`scrubbing ${bucketDisplayName(bucket)}: job ${id}`);
          const total = await countObjects(context.client, bucket);
          const snapshots = await waitForJob(context, id, options.timeout, {
            total,
            counter: 'scrub-checked',
          });
          const counts = scrubSummary(snapshots);
          if (options.json === true) return context.printJson(counts);
          context.print(
            Object.entries(counts)
              .map(([key, value]) => `${key}: ${value}`)
              .join(', '),
          );
        },
      ),
    );

  storage
    .command('mirror')
    .description('keep N copies of every object of a bucket (on distinct mountpaths)')
    .argument('<bucket>', 'ais://bucket')
    .requiredOption('--copies <count>', 'copies in all (1 = no mirror)', positiveInteger)
    .option('--no-wait', 'return once the job started')
    .option('--timeout <seconds>', 'give up waiting after this long', positiveInteger, 3600)
    .action(
      commandAction(io, async (context, uri: string, options: WaitOptions & { copies: number }) => {
        const bucket = parseBucket(uri);
        const id = await context.client.jobs.makeCopies(bucket, options.copies);
        await finish(context, bucket, id, options, `${options.copies} copies`);
      }),
    );

  storage
    .command('ec-encode')
    .description('erasure-code a bucket: new objects and every existing one')
    .argument('<bucket>', 'ais://bucket')
    .requiredOption('--data-slices <count>', 'data slices (D)', positiveInteger)
    .requiredOption('--parity-slices <count>', 'parity slices (P)', positiveInteger)
    .option('--objsize-limit <bytes>', 'smaller objects are replicated P times instead')
    .option('--no-wait', 'return once the job started')
    .option('--timeout <seconds>', 'give up waiting after this long', positiveInteger, 3600)
    .action(
      commandAction(
        io,
        async (
          context,
          uri: string,
          options: WaitOptions & {
            dataSlices: number;
            paritySlices: number;
            objsizeLimit?: string;
          },
        ) => {
          const bucket = parseBucket(uri);
          const id = await context.client.jobs.encodeBucket(bucket, {
            data_slices: options.dataSlices,
            parity_slices: options.paritySlices,
            ...(options.objsizeLimit === undefined
              ? {}
              : { objsize_limit: Number(options.objsizeLimit) }),
          });
          const what = `EC ${options.dataSlices}+${options.paritySlices}`;
          await finish(context, bucket, id, options, what);
        },
      ),
    );
}

/**
 * The job ID is the command's result (stdout, as for every command that starts a job); what it
 * does, its progress and its end are told on stderr.
 */
async function finish(
  context: CommandContext,
  bucket: BucketJson,
  id: string,
  options: WaitOptions,
  what: string,
): Promise<void> {
  context.note(`${bucketDisplayName(bucket)}: ${what}, job ${id}`);
  context.print(id);
  if (!options.wait) return;
  const total = await countObjects(context.client, bucket);
  await waitForJob(context, id, options.timeout, { total, counter: 'loc-objs' });
}

/** Objects in the bucket (names only), for the progress bar; capped. */
async function countObjects(client: Client, bucket: BucketJson): Promise<number> {
  let count = 0;
  for await (const entry of client.listObjects(bucket, { flags: String(ListFlag.nameOnly) })) {
    void entry;
    count += 1;
    if (count >= maxCountedObjects) break;
  }
  return count;
}

/** Scrub's counts summed over the targets. */
export function scrubSummary(snapshots: JobSnapshotsByNodeJson): Record<string, number> {
  return Object.fromEntries(
    scrubCounts.map(([label, counter]) => [label, sumCounter(snapshots, counter)]),
  );
}
