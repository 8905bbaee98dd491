// Shard reads and writes as AIStore's clients send them: one file out of a shard (`archpath`, raw
// bytes) or the files a pattern selects (`archregx` + `archmode`, a TAR stream); one file into a
// shard (`archpath` on a PUT, `Ais-Pine`), each through the object's owner.
import type { Readable } from 'node:stream';
import { ContentType, Header, Query, type BucketJson } from '../../wire/index.js';
import {
  headerValue,
  lengthCheckedStream,
  throwIfBufferedError,
  throwIfError,
} from '../http-exchange.js';
import { replayableBody, type ObjectBody } from '../request-body.js';
import { objectLabel } from '../labels.js';
import type { ObjectRouter } from '../object-router.js';

/** AIStore's `archmode` values. */
export type ArchiveMatchMode = 'regexp' | 'prefix' | 'suffix' | 'substr' | 'wdskey';

/** One file (`path`), or the files `regex` selects in `mode`; `mime`: the shard's format. */
export type ArchiveSelection = ({ path: string } | { regex: string; mode: ArchiveMatchMode }) & {
  mime?: string;
};

export interface ArchiveReadResult {
  contentType: string;
  /** The file's bytes, or a TAR of the selected files; errors if it ends short. */
  body: Readable;
}

export async function readFromShard(
  router: ObjectRouter,
  bucket: BucketJson,
  shard: string,
  selection: ArchiveSelection,
): Promise<ArchiveReadResult> {
  const label = objectLabel('GET', bucket, shard);
  const query: Record<string, string> =
    'path' in selection
      ? { [Query.archpath]: selection.path }
      : { [Query.archregx]: selection.regex, [Query.archmode]: selection.mode };
  if (selection.mime !== undefined) query[Query.archmime] = selection.mime;
  const response = await router.streaming({
    method: 'GET',
    bucket,
    objectName: shard,
    label,
    query,
  });
  await throwIfError(response, label, [200]);
  const announced = Number(headerValue(response.headers, Header.contentLength) ?? Number.NaN);
  return {
    contentType: headerValue(response.headers, Header.contentType) ?? '',
    body: lengthCheckedStream(
      response.body,
      Number.isSafeInteger(announced) ? announced : undefined,
      label,
    ),
  };
}

/** How a PUT into a shard treats the shard (`Ais-Pine` 0, 1, 2). */
export type ArchiveWriteMode = 'create' | 'append' | 'append-or-create';

const archiveWriteFlags: Record<ArchiveWriteMode, string> = {
  create: '0',
  append: '1',
  'append-or-create': '2',
};

/** `PUT ?archpath=`: `body` as the file `path` of the shard (see ArchiveWriteMode). */
export async function writeIntoShard(
  router: ObjectRouter,
  bucket: BucketJson,
  shard: string,
  path: string,
  body: ObjectBody,
  options: { mode?: ArchiveWriteMode; mime?: string } = {},
): Promise<void> {
  // An empty `archpath` is no `archpath`: the PUT would replace the whole shard with the body.
  if (path === '') throw new TypeError(`putIntoShard: empty path for a file inside ${shard}`);
  const label = objectLabel('PUT', bucket, shard);
  const query: Record<string, string> = { [Query.archpath]: path };
  if (options.mime !== undefined) query[Query.archmime] = options.mime;
  const headers = {
    [Header.contentType]: ContentType.octetStream,
    [Header.archiveAppendFlags]: archiveWriteFlags[options.mode ?? 'create'],
  };
  const response = await router.buffered({
    method: 'PUT',
    bucket,
    objectName: shard,
    label,
    query,
    headers,
    body: replayableBody(body),
  });
  throwIfBufferedError(response, label, [200, 201, 204]);
}
