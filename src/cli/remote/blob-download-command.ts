// `blob-download`: one large object of a remote bucket fetched into the cluster by the target
// that owns it, in parallel ranged reads (a `blob-download` job), as AIStore's `ais blob-download`.
// `--wait` follows it with a progress bar up to the object's size.
import type { Command } from 'commander';
import { bucketDisplayName, type BlobMsgJson } from '../../sdk/index.js';
import { parseByteSize } from '../../util/bytes.js';
import { waitForJob } from '../admin/job-commands.js';
import { parseBucketObject, positiveInteger } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';

interface BlobDownloadOptions {
  chunkSize?: string;
  numWorkers?: string;
  latest?: boolean;
  wait?: boolean;
  timeout: number;
}

export function registerBlobDownloadCommand(program: Command, io: CliIo): void {
  program
    .command('blob-download')
    .description('fetch a large remote object into the cluster in parallel ranged reads')
    .argument('<uri>', 's3://bucket/object (any remote bucket)')
    .option('--chunk-size <size>', 'bytes per ranged read, e.g. 4MiB (32KiB..16MiB)')
    .option('--num-workers <n>', 'ranged reads in flight (-1: one at a time; at most 128)')
    .option('--latest', 'fetch a cached object again only when the remote changed it')
    .option('--wait', 'wait until the object is stored')
    .option('--timeout <seconds>', 'longest wait with --wait', positiveInteger, 3600)
    .action(
      commandAction(io, async (context, uri: string, options: BlobDownloadOptions) => {
        const { bucket, objectName } = parseBucketObject(uri);
        if (objectName === '') throw new UsageError('give the object: bucket/object');
        const message: BlobMsgJson = {};
        if (options.chunkSize !== undefined) {
          const bytes = parseByteSize(options.chunkSize);
          if (bytes === undefined)
            throw new UsageError(`invalid --chunk-size ${options.chunkSize}`);
          message['chunk-size'] = bytes;
        }
        if (options.numWorkers !== undefined) {
          const workers = Number(options.numWorkers);
          if (!Number.isInteger(workers) || workers < -1 || workers > 128)
            throw new UsageError(`invalid --num-workers ${options.numWorkers}: -1..128`);
          message['num-workers'] = workers;
        }
        if (options.latest === true) message['latest-ver'] = true;
        const display = `${bucketDisplayName(bucket)}/${objectName}`;
        const id = await context.client.blobDownload(bucket, objectName, message);
        if (id === '') {
          context.note(`${display} is cached and current: nothing to download`);
          return;
        }
        context.note(`downloading ${display}: job ${id}`);
        context.print(id);
        if (options.wait !== true) return;
        const { size } = await context.client.headObject(bucket, objectName);
        await waitForJob(context, id, options.timeout, {
          total: size,
          counter: 'loc-bytes',
        });
      }),
    );
}
