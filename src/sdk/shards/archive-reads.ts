// Shard reads as AIStore's clients send them: one file out of a shard (`archpath`, raw bytes) or
// the files a pattern selects (`archregx` + `archmode`, a TAR stream), through the object's owner.
import type { Readable } from 'node:stream';
import { Header, Query, type BucketJson } from '../../wire/index.js';
import { headerValue, lengthCheckedStream, throwIfError } from '../http-exchange.js';
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
