// `cairn promote <path> ais://bucket[/prefix]`: files below the targets' promote root become
// objects (the path as the targets see it); waits for the job when there is one.
import type { Command } from 'commander';
import { bucketDisplayName } from '../../sdk/index.js';
import { waitForJob } from '../admin/job-commands.js';
import { parseBucketObject, positiveInteger } from '../arguments.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';

interface PromoteOptions {
  recursive?: boolean;
  overwrite?: boolean;
  deleteSource?: boolean;
  target?: string;
  notFileShare?: boolean;
  waitTimeout: number;
}

export function registerPromoteCommand(program: Command, io: CliIo): void {
  program
    .command('promote')
    .description(
      'make objects of a file or directory on the targets (below their promote root); 16 files or fewer at once, more as a job',
    )
    .argument('<path>', 'absolute path as the targets see it')
    .argument('<destination>', 'ais://bucket, or ais://bucket/prefix/ (or a name for one file)')
    .option('--recursive', 'include subdirectories')
    .option('--overwrite', 'replace objects that exist (else they are kept)')
    .option('--delete-source', 'delete each file once promoted')
    .option('--target <id>', 'only this target promotes (what it sees)')
    .option('--not-file-share', 'each target promotes every file it sees (local disks)')
    .option('--wait-timeout <seconds>', 'wait this long for the job', positiveInteger, 3600)
    .action(
      commandAction(io, async (context, path: string, to: string, options: PromoteOptions) => {
        const { bucket, objectName } = parseBucketObject(to);
        const id = await context.client.promote(bucket, path, {
          obj: objectName,
          rcr: options.recursive === true,
          ovw: options.overwrite === true,
          dls: options.deleteSource === true,
          notshr: options.notFileShare === true,
          ...(options.target === undefined ? {} : { tid: options.target }),
        });
        if (id === '') {
          context.note(`promoted ${path} into ${bucketDisplayName(bucket)}`);
          return;
        }
        context.note(`promoting ${path} into ${bucketDisplayName(bucket)}: job ${id}`);
        context.print(id);
        await waitForJob(context, id, options.waitTimeout);
      }),
    );
}
