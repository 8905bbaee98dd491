// `cairn cp` and `cairn bucket cp`: copy a bucket (or its prefix) into another (`copy-bck`), or the
// objects a range template or a list names (`copy-listrange`), as a job on every target; the
// command waits for the job with a progress view and fails if the job does. `cairn etl bucket` is
// the same through an ETL (`etl-bck`, `etl-listrange`).
import type { Command } from 'commander';
import { bucketDisplayName, type CopyBucketMsgJson } from '../../sdk/index.js';
import type { TransformJson } from '../../wire/index.js';
import { integerArgument, listOrTemplate, parseBucket, positiveInteger } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { waitForJob, type JobProgressTotal } from '../admin/job-commands.js';

interface CopyOptions {
  prefix?: string;
  template?: string;
  list?: string;
  prepend?: string;
  ext?: string[];
  dryRun?: boolean;
  sync?: boolean;
  force?: boolean;
  latest?: boolean;
  coer?: boolean;
  numWorkers?: number;
  waitTimeout: number;
}

/** Adds the copy command (`cp` on the program, `cp` under `bucket`) to `parent`. */
export function registerCopyCommand(parent: Command, io: CliIo): void {
  const command = parent
    .command('cp')
    .description(
      'copy a bucket, its --prefix, or the objects of a --template / --list into another bucket (a job on every target; the destination is created with the source properties when missing)',
    )
    .argument('<source>', 'ais://bucket')
    .argument('<destination>', 'ais://bucket');
  addCopyOptions(command).action(
    commandAction(io, async (context, from: string, to: string, options: CopyOptions) =>
      runCopy(context, from, to, options, undefined),
    ),
  );
}

/** `cairn etl bucket N ais://src ais://dst`: the same selection and flags, through ETL N. */
export function registerTransformCommand(etl: Command, io: CliIo): void {
  const command = etl
    .command('bucket')
    .description(
      'transform a bucket, its --prefix, or the objects of a --template / --list into another bucket through an ETL (etl-bck / etl-listrange)',
    )
    .argument('<etl>', 'ETL name')
    .argument('<source>', 'ais://bucket')
    .argument('<destination>', 'ais://bucket')
    .option('--pipeline <names>', 'comma-separated ETLs applied after the first, in order')
    .option('--timeout <duration>', 'per-object timeout, e.g. 5m (default: the ETL obj_timeout)');
  addCopyOptions(command).action(
    commandAction(
      io,
      async (
        context,
        name: string,
        from: string,
        to: string,
        options: CopyOptions & { pipeline?: string; timeout?: string },
      ) =>
        runCopy(context, from, to, options, {
          id: name,
          ...(options.pipeline === undefined
            ? {}
            : { pipeline: options.pipeline.split(',').filter((item) => item !== '') }),
          ...(options.timeout === undefined ? {} : { request_timeout: options.timeout }),
        }),
    ),
  );
}

function addCopyOptions(command: Command): Command {
  return command
    .option('--prefix <prefix>', 'only objects whose names start with this')
    .option('--template <template>', "objects like 'shard-{0000..4999}.tar', 'shard-@4999.tar'")
    .option('--list <names>', 'comma-separated object names')
    .option('--prepend <prefix>', 'add this in front of every destination name')
    .option('--ext <from:to...>', "remap extensions, e.g. 'jpg:png'")
    .option('--dry-run', 'visit and count the objects; write nothing')
    .option('--sync', 'also remove destination objects the source no longer has')
    .option('--force', 'run even where another job would conflict')
    .option('--latest', "re-validate a remote source's versions")
    .option('--coer', 'continue on error: count a failed object and go on')
    .option('--num-workers <n>', 'workers per target: 0 auto, -1 serial', integerArgument)
    .option('--wait-timeout <seconds>', 'wait this long for the job', positiveInteger, 3600);
}

/** Starts the copy (or, with `transform`, the transform) job and waits for it. */
async function runCopy(
  context: CommandContext,
  from: string,
  to: string,
  options: CopyOptions,
  transform: TransformJson | undefined,
): Promise<void> {
  const source = parseBucket(from);
  const destination = parseBucket(to);
  const message = copyMessage(options);
  const { jobs } = context.client;
  let ids: string[];
  let progress: JobProgressTotal | undefined;
  if (options.template !== undefined || options.list !== undefined) {
    if (options.prefix !== undefined)
      throw new UsageError('--prefix selects from a bucket: give it without --template or --list');
    const { selection, total } = listOrTemplate(options, 'copy');
    progress = { total, counter: 'loc-objs' };
    const value = { ...message, ...selection, tobck: destination };
    ids =
      transform === undefined
        ? await jobs.copyObjects(source, value)
        : await jobs.transformObjects(source, { ...value, ...transform });
  } else {
    const value = {
      ...message,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    };
    ids = [
      transform === undefined
        ? await jobs.copyBucket(source, destination, value)
        : await jobs.transformBucket(source, destination, { ...value, ...transform }),
    ];
  }
  const verb = transform === undefined ? 'copying' : `transforming (ETL ${transform.id})`;
  context.note(
    `${verb} ${bucketDisplayName(source)} to ${bucketDisplayName(destination)}: job ${ids.join(',')}`,
  );
  for (const id of ids) {
    context.print(id);
    await waitForJob(context, id, options.waitTimeout, progress);
  }
}

function copyMessage(options: CopyOptions): CopyBucketMsgJson {
  return {
    ...(options.prepend === undefined ? {} : { prepend: options.prepend }),
    ...(options.ext === undefined ? {} : { ext: extensionMap(options.ext) }),
    ...(options.numWorkers === undefined ? {} : { 'num-workers': options.numWorkers }),
    dry_run: options.dryRun === true,
    synchronize: options.sync === true,
    force: options.force === true,
    'latest-ver': options.latest === true,
    coer: options.coer === true,
  };
}

function extensionMap(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const [from, into, ...rest] = pair.split(':');
      if (from === undefined || into === undefined || rest.length > 0 || from === '' || into === '')
        throw new UsageError(`--ext "${pair}": expected from:to (e.g. jpg:png)`);
      return [from, into];
    }),
  );
}
