// `evict`: drops the cluster's cached copies of a remote bucket's objects (the remote keeps them,
// the next read is a cold GET): named objects, a template or prefix (one job on every target), or
// the whole bucket (`--keep-md` keeps the bucket in the cluster's map).
import type { Command } from 'commander';
import { bucketDisplayName, type ListRangeJson } from '../../sdk/index.js';
import { waitForJob } from '../admin/job-commands.js';
import { parseBucketObject } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';

interface EvictOptions {
  template?: string;
  prefix?: string;
  keepMd?: boolean;
}

export function registerEvictCommand(program: Command, io: CliIo): void {
  program
    .command('evict')
    .description("evict a remote bucket's cached objects from the cluster (the remote keeps them)")
    .argument('<uri...>', 's3://bucket/object ... (one bucket), or s3://bucket')
    .option('--template <template>', "names like 'shard-{000..999}.tar'")
    .option('--prefix <prefix>', 'every cached object whose name starts with this')
    .option('--keep-md', 'evicting a whole bucket: keep it in the cluster map (with its props)')
    .action(
      commandAction(io, async (context, uris: string[], options: EvictOptions) => {
        const parsed = uris.map(parseBucketObject);
        const bucket = parsed[0]?.bucket;
        if (bucket === undefined) throw new UsageError('give a bucket or its objects');
        const display = bucketDisplayName(bucket);
        if (parsed.some((item) => bucketDisplayName(item.bucket) !== display))
          throw new UsageError('evict objects of one bucket at a time');
        const names = parsed.map((item) => item.objectName).filter((name) => name !== '');
        const pattern = options.template ?? options.prefix;
        if (names.length === 0 && pattern === undefined) {
          await context.client.jobs.evictRemoteBucket(bucket, options.keepMd === true);
          context.print(`evicted ${display}${options.keepMd === true ? ' (bucket kept)' : ''}`);
          return;
        }
        if (options.keepMd === true) throw new UsageError('--keep-md applies to a whole bucket');
        if (names.length > 0 && pattern !== undefined)
          throw new UsageError('give object names or --template/--prefix, not both');
        const selection: ListRangeJson =
          pattern === undefined ? { objnames: names } : { template: pattern };
        const id = await context.client.jobs.evictObjects(bucket, selection);
        context.note(`evicting objects of ${display}: job ${id}`);
        context.print(id);
        await waitForJob(context, id, 3600);
      }),
    );
}
