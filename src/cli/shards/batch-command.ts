// `cairn batch LIST DEST`: GetBatch (`/v1/ml/moss`). LIST names the items, one a line (whole
// objects, or files inside shards); the cluster answers one archive of them in that order, which
// is streamed to DEST (a file, written under a temporary name and renamed when complete, or - for
// stdout). A batch cut short (a target lost mid-way) fails and leaves no file.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { MossInJson, MossReqJson } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { parseObject } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';
import { cutShort, download } from '../download.js';

/** Output formats by file name ending (compound endings first). */
const formatsByEnding = ['.tar.gz', '.tar.lz4', '.tgz', '.zip', '.tar'] as const;

interface BatchOptions {
  mime?: string;
  contOnErr?: boolean;
  omitSrcBck?: boolean;
  coloc?: string;
}

/** Registers `batch`. */
export function registerBatchCommand(program: Command, io: CliIo): void {
  program
    .command('batch')
    .description(
      'GetBatch: objects and files inside shards, listed in a file, as one archive (tar, tgz, zip, tar.lz4)',
    )
    .argument(
      '<list>',
      "a file (- for stdin): one item a line, 'ais://bucket/object' or 'ais://bucket/shard.tar PATH'; or JSON: MossIn items, or a MossReq whose mime/coer/onob/coloc apply unless a flag says otherwise",
    )
    .argument('<destination>', 'the archive file (its ending picks the format), - for stdout')
    .option('--mime <format>', 'the archive format: .tar (default), .tgz, .tar.gz, .zip, .tar.lz4')
    .option('--cont-on-err', 'a missing item becomes an empty __404__/ entry instead of failing')
    .option('--omit-src-bck', 'name entries <object> rather than <bucket>/<object>')
    .option(
      '--coloc <n>',
      'colocation hint: 0 none, 1 items on few targets, 2 also many files of the same shards',
    )
    .action(
      commandAction(
        io,
        async (context, list: string, destination: string, options: BatchOptions) => {
          const { items, request } = await readItems(
            list === '-' ? context.io.stdin : createReadStream(list),
          );
          if (items.length === 0) throw new UsageError(`"${list}" lists no item`);
          // A flag wins over the ending of OUT, which wins over a MossReq's own keys.
          const mime =
            options.mime ??
            formatsByEnding.find((ending) => destination.endsWith(ending)) ??
            request.mime;
          const coloc = options.coloc === undefined ? request.coloc : colocation(options.coloc);
          context.note(`GetBatch of ${items.length} item(s)`);
          const labels = {
            label: 'GetBatch',
            subject: `GetBatch of ${items.length} item(s)`,
            why: 'an item missing or failing without --cont-on-err, or a target lost mid-way',
          };
          // The designated target holds its answer's head back with the first item's bytes: a
          // failure right after them closes the connection before any of it arrives.
          const { body } = await context.client
            .getBatch({
              in: items,
              strm: true,
              ...(mime === undefined ? {} : { mime }),
              ...(options.contOnErr === true || request.coer === true ? { coer: true } : {}),
              ...(options.omitSrcBck === true || request.onob === true ? { onob: true } : {}),
              ...(coloc === undefined ? {} : { coloc }),
            })
            .catch((error: unknown) => {
              throw cutShort(error, labels, destination === '-');
            });
          const received = await download(
            context,
            body,
            destination,
            `batch${mime ?? '.tar'}`,
            labels,
          );
          const { path, bytes } = received;
          if (path !== undefined) {
            context.print(`${items.length} item(s) => ${path} (${formatBytes(bytes)})`);
          }
        },
      ),
    );
}

function colocation(text: string): number {
  if (!/^[012]$/.test(text)) throw new UsageError(`--coloc: expecting 0, 1 or 2, not "${text}"`);
  return Number(text);
}

/** The keys of a MossReq given as the list that apply to the batch (flags override them). */
type ListedRequest = Pick<MossReqJson, 'mime' | 'coer' | 'onob' | 'coloc'>;

/**
 * The items of a list: `ais://bucket/object [archpath]` a line (blank lines and `#...` skipped),
 * or, when the list starts with `[` or `{`, JSON: MossIn items as the cluster takes them (an
 * array, or a MossReq: its `in`, and its `mime`, `coer`, `onob` and `coloc`), for byte ranges
 * (`start`, `length`); an `opaque` is checked by the cluster but not shown (a streamed archive
 * has no metadata).
 */
async function readItems(
  input: NodeJS.ReadableStream,
): Promise<{ items: MossInJson[]; request: ListedRequest }> {
  const items: MossInJson[] = [];
  let lineNumber = 0;
  let json: string[] | undefined;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber += 1;
    const text = line.trim();
    if (json !== undefined) {
      json.push(line);
      continue;
    }
    if (text === '' || text.startsWith('#')) continue;
    if (items.length === 0 && /^[[{]/.test(text)) {
      json = [line];
      continue;
    }
    const [uri = '', archpath, extra] = text.split(/\s+/);
    if (extra !== undefined) {
      throw new UsageError(`line ${lineNumber}: expected 'ais://bucket/object [archpath]'`);
    }
    const { bucket, objectName } = parseObject(uri);
    items.push({
      objname: objectName,
      bucket: bucket.name,
      provider: bucket.provider,
      ...(archpath === undefined ? {} : { archpath }),
    });
  }
  return json === undefined ? { items, request: {} } : jsonItems(json.join('\n'));
}

/** MossIn items from JSON: an array of them, or a MossReq (`in` and the batch's own keys). */
function jsonItems(text: string): { items: MossInJson[]; request: ListedRequest } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the list is not valid JSON: ${(error as Error).message}`);
  }
  const whole = Array.isArray(parsed) || typeof parsed !== 'object' || parsed === null;
  const list: unknown = whole ? parsed : (parsed as { in?: unknown }).in;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'object' && item !== null))
    throw new UsageError('a JSON list is an array of items, or an object with "in": [items]');
  // The cluster checks each item (names, ranges, opaque) and the request's keys, and answers 400
  // naming the bad one.
  const { mime, coer, onob, coloc } = whole ? {} : (parsed as ListedRequest);
  const request: ListedRequest = {
    ...(mime === undefined ? {} : { mime }),
    ...(coer === undefined ? {} : { coer }),
    ...(onob === undefined ? {} : { onob }),
    ...(coloc === undefined ? {} : { coloc }),
  };
  return { items: list as MossInJson[], request };
}
