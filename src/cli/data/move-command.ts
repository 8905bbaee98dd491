// `cairn mv` and `cairn bucket mv`: rename a bucket (`move-bck`). The bucket is renamed at once;
// the objects whose owner changes with the name move in a rebalance, which the job waits for; the
// command waits for the job, then for the old name to leave the metadata (the primary removes it
// once the job is done), and fails if the job does.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { bucketDisplayName } from '../../sdk/index.js';
import { parseBucket, positiveInteger } from '../arguments.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';
import { waitForJob } from '../admin/job-commands.js';
import { CommandError } from '../cli-errors.js';

/** How often the command looks whether the old name is gone. */
const pollMs = 200;

/** Adds `mv` to `parent` (the program, and `bucket`). */
export function registerMoveCommand(parent: Command, io: CliIo): void {
  parent
    .command('mv')
    .description(
      'rename a bucket: every object moves to its owner under the new name (a job on every target), then the old name goes',
    )
    .argument('<source>', 'ais://bucket')
    .argument('<destination>', 'ais://bucket (must not exist)')
    .option('--wait-timeout <seconds>', 'wait this long for the move', positiveInteger, 3600)
    .action(
      commandAction(
        io,
        async (context, from: string, to: string, options: { waitTimeout: number }) => {
          const source = parseBucket(from);
          const destination = parseBucket(to);
          const id = await context.client.jobs.moveBucket(source, destination);
          context.note(
            `moving ${bucketDisplayName(source)} to ${bucketDisplayName(destination)}: job ${id}`,
          );
          context.print(id);
          const deadline = Date.now() + options.waitTimeout * 1000;
          await waitForJob(context, id, options.waitTimeout);
          for (;;) {
            const buckets = await context.client.listBuckets();
            const name = bucketDisplayName(source);
            if (!buckets.some((bucket) => bucketDisplayName(bucket) === name)) return;
            if (Date.now() > deadline)
              throw new CommandError(`${bucketDisplayName(source)} is still there after the move`);
            await sleep(pollMs);
          }
        },
      ),
    );
}
