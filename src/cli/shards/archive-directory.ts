// `cairn archive put DIR ais://b/SHARD`: every file under a local directory into one shard
// (AIStore's `ais archive put` of a directory). A new shard is packed here, as a stream, into a
// temporary file in the shard's format (the archive module's writers, the ones the cluster uses)
// and uploaded with one PUT, so any number of files costs one pass; `--append` and
// `--append-or-create` add the files one PUT each (a plain tar is appended to in place there).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { SingleBar } from 'cli-progress';
import {
  createArchiveWriter,
  formatFromName,
  normalizeFormat,
  type ArchiveFormat,
} from '../../archive/index.js';
import { bucketDisplayName, type ArchiveWriteMode, type BucketJson } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { UsageError } from '../cli-errors.js';
import type { CommandContext } from '../context.js';
import { directoryItems, fileBody, type UploadItem } from '../put-sources.js';

export interface DirectoryIntoShard {
  root: string;
  bucket: BucketJson;
  shard: string;
  mode: ArchiveWriteMode;
  /** Prepended to each file's path relative to `root` (a `/` added when missing). */
  archpath: string | undefined;
  archmime: string | undefined;
}

export async function putDirectoryIntoShard(
  context: CommandContext,
  request: DirectoryIntoShard,
): Promise<void> {
  const prefix = request.archpath?.replace(/^\/+/, '').replace(/([^/])$/, '$1/') ?? '';
  const items = await directoryItems(request.root, prefix);
  if (items.length === 0) throw new UsageError(`"${request.root}" holds no files`);
  const totalBytes = items.reduce((sum, item) => sum + item.sizeBytes, 0);
  const progress =
    context.io.stderr.isTTY === true ? await progressBar(context, items.length) : undefined;
  try {
    if (request.mode === 'create')
      await uploadNewShard(context, request, items, () => progress?.increment());
    else await appendEach(context, request, items, () => progress?.increment());
  } finally {
    progress?.stop();
  }
  const display = `${bucketDisplayName(request.bucket)}/${request.shard}`;
  context.print(`${request.root} => ${display}: ${items.length} files, ${formatBytes(totalBytes)}`);
}

/**
 * An empty file into a shard: a PUT into a shard needs a body (AIStore refuses an empty one), so a
 * new shard holding only it is packed here and uploaded whole; it cannot be appended.
 */
export async function putEmptyFileIntoShard(
  context: CommandContext,
  request: Omit<DirectoryIntoShard, 'root' | 'archpath'>,
  file: string,
  archpath: string,
): Promise<void> {
  if (request.mode !== 'create')
    throw new UsageError(
      `${file} is empty: a file is appended to a shard by a PUT with a body (put it into a new shard instead)`,
    );
  const name = archpath.replace(/^\/+/, '');
  // The server's rule for a PUT into a shard, which this upload of a whole shard does not meet.
  if (name === '' || name.endsWith('/') || name.split('/').includes('..'))
    throw new UsageError(`--archpath "${archpath}": expecting a file's path inside the shard`);
  const item = { path: file, objectName: name, sizeBytes: 0 };
  await uploadNewShard(context, { ...request, root: file, archpath }, [item], () => undefined);
}

function formatOf(request: DirectoryIntoShard): ArchiveFormat {
  if (request.archmime !== undefined) {
    const format = normalizeFormat(request.archmime);
    if (format === undefined)
      throw new UsageError(`--archmime "${request.archmime}": not a supported archive format`);
    return format;
  }
  const format = formatFromName(request.shard);
  if (format === undefined)
    throw new UsageError(
      `cannot tell the format of "${request.shard}": give --archmime or an extension (.tar, .tgz, .tar.gz, .zip, .tar.lz4)`,
    );
  return format;
}

/** Packs the files into a temporary shard file, then PUTs it (re-sendable on a redirect). */
async function uploadNewShard(
  context: CommandContext,
  request: DirectoryIntoShard,
  items: readonly UploadItem[],
  onPacked: () => void,
): Promise<void> {
  const format = formatOf(request);
  const directory = await mkdtemp(join(tmpdir(), 'cairn-archive-'));
  try {
    const path = join(directory, `shard${format}`);
    const writer = createArchiveWriter(format);
    const written = pipeline(writer.output, createWriteStream(path));
    written.catch((error: unknown) =>
      writer.abort(error instanceof Error ? error : new Error(String(error))),
    );
    try {
      for (const item of items) {
        const body = createReadStream(item.path);
        const { mtimeMs } = await stat(item.path);
        await writer.add(item.objectName, item.sizeBytes, body, mtimeMs);
        onPacked();
      }
      writer.finish();
    } catch (error) {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
      await written.catch(() => undefined);
      throw error;
    }
    await written;
    const { size } = await stat(path);
    await context.client.putObject(request.bucket, request.shard, fileBody(path, size));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** One PUT into the shard per file: the first with the requested mode, the rest appended. */
async function appendEach(
  context: CommandContext,
  request: DirectoryIntoShard,
  items: readonly UploadItem[],
  onDone: () => void,
): Promise<void> {
  const empty = items.find((item) => item.sizeBytes === 0);
  if (empty !== undefined)
    throw new UsageError(
      `${empty.path} is empty: a file is appended to a shard by a PUT with a body (pack a new shard instead)`,
    );
  let mode = request.mode;
  for (const item of items) {
    const options = request.archmime === undefined ? { mode } : { mode, mime: request.archmime };
    const body = fileBody(item.path, item.sizeBytes);
    await context.client.putIntoShard(
      request.bucket,
      request.shard,
      item.objectName,
      body,
      options,
    );
    mode = 'append';
    onDone();
  }
}

async function progressBar(context: CommandContext, files: number): Promise<SingleBar> {
  // cli-progress is loaded when a bar is drawn: every command would pay for it at start otherwise.
  const { Presets, SingleBar } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: 'archive |{bar}| {value}/{total} files | {eta_formatted}',
      stream: context.io.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(files, 0);
  return bar;
}
