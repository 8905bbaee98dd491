// Bucket commands: `create` and `rmb` (several buckets at once), `bucket props show|set`,
// `bucket summary`, `bucket cp`.
import type { Command } from 'commander';
import { bucketDisplayName, type BucketSummaryJson } from '../sdk/index.js';
import { formatBytes } from '../util/bytes.js';
import { parseBucket } from './arguments.js';
import type { CliIo } from './cli-io.js';
import { commandAction } from './context.js';
import { registerCopyCommand } from './data/copy-commands.js';
import { registerMoveCommand } from './data/move-command.js';
import { parseAssignments, readableProps } from './props.js';

/** Registers `create`, `rmb` and `bucket props show|set`. */
export function registerBucketCommands(program: Command, io: CliIo): void {
  program
    .command('create')
    .description('create buckets')
    .argument('<bucket...>', 'ais://bucket')
    .action(
      commandAction(io, async (context, uris: string[]) => {
        for (const bucket of uris.map(parseBucket)) {
          await context.client.createBucket(bucket);
          context.print(`created ${bucketDisplayName(bucket)}`);
        }
      }),
    );

  program
    .command('rmb')
    .description('destroy buckets and all their objects')
    .argument('<bucket...>', 'ais://bucket')
    .action(
      commandAction(io, async (context, uris: string[]) => {
        for (const bucket of uris.map(parseBucket)) {
          await context.client.destroyBucket(bucket);
          context.print(`destroyed ${bucketDisplayName(bucket)}`);
        }
      }),
    );

  const bucketCommand = program.command('bucket').description('bucket properties and summary');
  registerCopyCommand(bucketCommand, io);
  registerMoveCommand(bucketCommand, io);
  const props = bucketCommand.command('props').description('show or change bucket properties');

  bucketCommand
    .command('summary')
    .description("a bucket's objects, their sizes and the space they take (runs a summary job)")
    .argument('<bucket>', 'ais://bucket')
    .option('--prefix <prefix>', 'only objects whose names start with this')
    .option('--json', "print JSON (AIStore's bucket summary)")
    .action(
      commandAction(
        io,
        async (context, uri: string, options: { prefix?: string; json?: boolean }) => {
          const bucket = parseBucket(uri);
          const summary = await context.client.jobs.bucketSummary(bucket, {
            ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
            timeoutMs: context.globals.timeout * 1000 * 10,
          });
          if (options.json === true) return context.printJson(summary);
          context.printLines(summaryLines(summary));
        },
      ),
    );

  props
    .command('show')
    .description(
      'show bucket properties as key.sub = value lines (access as permissions, times as dates; --json: raw)',
    )
    .argument('<bucket>', 'ais://bucket')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, uri: string, options: { json?: boolean }) => {
        const bucketProps = await context.client.bucketProps(parseBucket(uri));
        if (options.json === true) return context.printJson(bucketProps);
        context.printLines(readableProps(bucketProps).map(([key, value]) => `${key} = ${value}`));
      }),
    );

  props
    .command('set')
    .description('change bucket properties, e.g. mirror.copies=2 versioning.enabled=true access=ro')
    .argument('<bucket>', 'ais://bucket')
    .argument('<assignment...>', 'key=value (nested keys with dots)')
    .action(
      commandAction(io, async (context, uri: string, assignments: string[]) => {
        const bucket = parseBucket(uri);
        parseAssignments(assignments); // usage errors before any request
        // The current props give each value its type (strings stay strings, e.g. `access`).
        const update = parseAssignments(assignments, await context.client.bucketProps(bucket));
        await context.client.setBucketProps(bucket, update);
        context.print(`updated ${bucketDisplayName(bucket)}: ${assignments.join(' ')}`);
      }),
    );
}

/** `bucket summary` as lines of `key: value`. */
export function summaryLines(summary: BucketSummaryJson): string[] {
  const bytes = (text: string): string => formatBytes(Number(text));
  const { ObjCount: count, ObjSize: size, TotalSize: total } = summary;
  return [
    `bucket:        ${bucketDisplayName(summary)}`,
    `objects:       ${count.obj_count_present}`,
    `size:          ${bytes(total.size_all_present_objs)}`,
    `object sizes:  min ${formatBytes(size.obj_min_size)}, avg ${formatBytes(size.obj_avg_size)}, max ${formatBytes(size.obj_max_size)}`,
    `on disk:       ${bytes(total.size_on_disk)} (copies and EC pieces included)`,
    `disks:         ${bytes(total.total_disks_size)}, ${summary.used_pct}% used by this bucket`,
  ];
}
