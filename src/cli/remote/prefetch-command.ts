// `prefetch`: brings a remote bucket's objects into the cluster before they are read (one job on
// every target, each fetching what it owns and does not hold yet): named objects, a template, a
// prefix, or the whole bucket; `--latest` fetches again what changed in the remote;
// `--blob-threshold` fetches objects at least that large in parallel ranged reads.
import type { Command } from 'commander';
import { bucketDisplayName, type PrefetchMsgJson } from '../../sdk/index.js';
import { parseByteSize } from '../../util/bytes.js';
import { waitForJob } from '../admin/job-commands.js';
import { parseBucketObject } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';

interface PrefetchOptions {
  template?: string;
  prefix?: string;
  latest?: boolean;
  blobThreshold?: string;
}

export function registerPrefetchCommand(program: Command, io: CliIo): void {
  program
    .command('prefetch')
    .description("fetch a remote bucket's objects into the cluster before they are read")
    .argument('<uri...>', 's3://bucket/object ... (one bucket), or s3://bucket (all of it)')
    .option('--template <template>', "names like 'shard-{000..999}.tar'")
    .option('--prefix <prefix>', 'every object the remote lists under this prefix')
    .option('--latest', 'also fetch again cached objects the remote changed (latest-ver)')
    .option(
      '--blob-threshold <size>',
      'objects at least this large (e.g. 64MiB; 1MiB at least) are read in parallel ranges',
    )
    .action(
      commandAction(io, async (context, uris: string[], options: PrefetchOptions) => {
        const parsed = uris.map(parseBucketObject);
        const bucket = parsed[0]?.bucket;
        if (bucket === undefined) throw new UsageError('give a bucket or its objects');
        const display = bucketDisplayName(bucket);
        if (parsed.some((item) => bucketDisplayName(item.bucket) !== display))
          throw new UsageError('prefetch objects of one bucket at a time');
        const names = parsed.map((item) => item.objectName).filter((name) => name !== '');
        const pattern = options.template ?? options.prefix;
        if (names.length > 0 && pattern !== undefined)
          throw new UsageError('give object names or --template/--prefix, not both');
        const message: PrefetchMsgJson =
          names.length > 0 ? { objnames: names } : { template: pattern ?? '' };
        if (options.latest === true) message['latest-ver'] = true;
        if (options.blobThreshold !== undefined) {
          const bytes = parseByteSize(options.blobThreshold);
          if (bytes === undefined)
            throw new UsageError(`invalid --blob-threshold ${options.blobThreshold}`);
          message['blob-threshold'] = bytes;
        }
        const id = await context.client.jobs.prefetchObjects(bucket, message);
        context.note(`prefetching objects of ${display}: job ${id}`);
        context.print(id);
        await waitForJob(context, id, 3600);
      }),
    );
}
