// Bucket commands: `create` and `rmb` (several buckets at once), `bucket props show|set`.
import type { Command } from 'commander';
import { bucketDisplayName } from '../sdk/index.js';
import { parseBucket } from './arguments.js';
import type { CliIo } from './cli-io.js';
import { commandAction } from './context.js';
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

  const props = program
    .command('bucket')
    .description('bucket properties')
    .command('props')
    .description('show or change bucket properties');

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
