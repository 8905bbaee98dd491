// Object commands: `rmo` (several objects at once), `object show` (the HEAD properties) and
// `object cp` (single-object copy, done by the cluster).
import type { Command } from 'commander';
import { bucketDisplayName, type BucketJson, type ObjectProps } from '../sdk/index.js';
import { formatBytes } from '../util/bytes.js';
import { parseBucket, parseBucketObject, parseObject } from './arguments.js';
import type { CliIo } from './cli-io.js';
import { commandAction } from './context.js';
import { waitForJob } from './admin/job-commands.js';
import { formatTable } from './table.js';

/** Registers `rmo`, `object show` and `object cp`. */
export function registerObjectCommands(program: Command, io: CliIo): void {
  program
    .command('rmo')
    .description('delete objects: named ones, or a range template / prefix as a cluster job')
    .argument('<object...>', 'ais://bucket/object (or just ais://bucket with --template, --prefix)')
    .option('--template <template>', "names like 'shard-{000..999}.tar' (a job on every target)")
    .option('--prefix <prefix>', 'every object whose name starts with this (a job on every target)')
    .action(
      commandAction(
        io,
        async (context, uris: string[], options: { template?: string; prefix?: string }) => {
          const selection = options.template ?? options.prefix;
          if (selection !== undefined) {
            const [uri, ...extra] = uris;
            if (uri === undefined || extra.length > 0)
              throw new Error('give one bucket with --template or --prefix');
            const bucket = parseBucket(uri);
            const id = await context.client.jobs.deleteObjects(bucket, { template: selection });
            context.note(
              `deleting objects in ${bucketDisplayName(bucket)} matching "${selection}": job ${id}`,
            );
            context.print(id);
            await waitForJob(context, id, 3600);
            return;
          }
          for (const { bucket, objectName } of uris.map(parseObject)) {
            await context.client.deleteObject(bucket, objectName);
            context.print(`deleted ${bucketDisplayName(bucket)}/${objectName}`);
          }
        },
      ),
    );

  const object = program.command('object').description('object properties and copies');
  object
    .command('show')
    .description('show the properties of an object')
    .argument('<object>', 'ais://bucket/object')
    .option('--json', 'print JSON')
    .option('--props <list>', 'only these properties (HEAD V2), e.g. size,etag,chunked')
    .action(
      commandAction(
        io,
        async (context, uri: string, options: { json?: boolean; props?: string }) => {
          const { bucket, objectName } = parseObject(uri);
          const props = await context.client.headObject(
            bucket,
            objectName,
            options.props === undefined ? undefined : { props: options.props.split(',') },
          );
          if (options.json === true) return context.printJson(objectPropsJson(props));
          context.printLines(
            formatTable([{ header: 'PROPERTY' }, { header: 'VALUE' }], propsRows(props)),
          );
        },
      ),
    );

  object
    .command('cp')
    .description('copy an object within the cluster (to another name, bucket, or both)')
    .argument('<source>', 'ais://bucket/object')
    .argument('<destination>', 'ais://bucket/object, or ais://bucket/ to keep the name')
    .action(
      commandAction(io, async (context, from: string, to: string) => {
        const source = parseObject(from);
        const target = parseBucketObject(to);
        const name = target.objectName === '' ? source.objectName : target.objectName;
        await context.client.copyObject(source.bucket, source.objectName, {
          bucket: target.bucket,
          name,
        });
        const shown = (bucket: BucketJson, objectName: string): string =>
          `${bucketDisplayName(bucket)}/${objectName}`;
        context.print(
          `copied ${shown(source.bucket, source.objectName)} to ${shown(target.bucket, name)}`,
        );
      }),
    );
}

/** Props for `--json`: the atime as a decimal string, since JSON readers round big integers. */
export function objectPropsJson(props: ObjectProps): Record<string, unknown> {
  return { ...props, atimeNs: props.atimeNs.toString() };
}

/** PROPERTY / VALUE rows, unknown values shown as `-`. */
export function propsRows(props: ObjectProps): string[][] {
  const custom = Object.entries(props.customMetadata).map(([key, value]) => `${key}=${value}`);
  const size = props.size >= 0 ? `${formatBytes(props.size)} (${props.size} bytes)` : '-';
  return [
    ['name', `${bucketDisplayName(props.bucket)}/${props.name}`],
    ['size', size],
    [
      'checksum',
      props.checksum.type === 'none' ? '-' : `${props.checksum.type}:${props.checksum.value}`,
    ],
    ['atime', formatNanoseconds(props.atimeNs)],
    ['version', props.version ?? '-'],
    ['custom', custom.length > 0 ? custom.join(', ') : '-'],
    ['location', props.location ?? '-'],
    ['copies', props.mirrorCopies === undefined ? '-' : String(props.mirrorCopies)],
    ['copy paths', props.mirrorPaths?.join(', ') ?? '-'],
    ...erasureCodingRows(props),
    ['present', props.present ? 'yes' : 'no'],
    ['last-modified', props.lastModified?.toISOString() ?? '-'],
    ['etag', props.etag ?? '-'],
    ...(props.chunks === undefined
      ? []
      : [
          [
            'chunks',
            `${props.chunks.count} (largest ${formatBytes(props.chunks.maxChunkSizeBytes)})`,
          ],
        ]),
  ];
}

/** EC rows: layout and where each piece is (`-` for objects that are not erasure-coded). */
function erasureCodingRows(props: ObjectProps): string[][] {
  const ec = props.ec;
  if (ec === undefined) return [['ec', '-']];
  const layout = ec.replicated
    ? `${ec.dataSlices}+${ec.paritySlices}, replicated (${ec.paritySlices} copies)`
    : `${ec.dataSlices}+${ec.paritySlices}, sliced`;
  const pieces = ec.pieces.map(({ sliceId, target }) => {
    const what =
      sliceId === 0
        ? 'replica'
        : sliceId <= ec.dataSlices
          ? `data slice ${sliceId}`
          : `parity slice ${sliceId - ec.dataSlices}`;
    return [`  ${what}`, `t[${target}]`];
  });
  return [['ec', layout], ['ec generation', ec.generation], ...pieces];
}

/** Unix nanoseconds as an ISO time (millisecond precision), `-` when unknown. */
export function formatNanoseconds(nanoseconds: bigint): string {
  if (nanoseconds <= 0n) return '-';
  return new Date(Number(nanoseconds / 1_000_000n)).toISOString();
}
