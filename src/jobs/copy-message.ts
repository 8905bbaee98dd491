// The messages of `copy-bck` (TCBMsg, destination in `?bck_to=`) and `copy-listrange` (TCOMsg: the
// destination in `tobck` beside a ListRange and the TCBMsg keys), AIStore's `api/apc/tcbtco.go`,
// keys matched case-insensitively. Also how a source name becomes its destination name.
import { badRequest, notImplemented } from '../errors/index.js';
import { validateObjectName } from '../storage/layout/index.js';
import { asRecord } from '../util/json.js';
import { parseBucketJson, type BucketJson } from '../wire/index.js';
import {
  caselessRecord,
  parseMultiObjectFlags,
  readBoolean,
  readString,
  type MultiObjectArgs,
} from './multi-object.js';
import { parseListRange } from './object-selection.js';

/** The kinds of the copy engine: plain copies and transforms through an ETL. */
export type CopyKind = 'copy-bck' | 'copy-listrange' | 'etl-bck' | 'etl-listrange';

export interface CopyArgs extends MultiObjectArgs {
  to: BucketJson;
  /** Added in front of every destination name. */
  prepend: string;
  /** Extension remap, without dots: `{"jpg": "png"}`. */
  ext: Readonly<Record<string, string>>;
  /** Visit and count the objects; write nothing. */
  dryRun: boolean;
  force: boolean;
  latestVersion: boolean;
  /** Also remove destination objects whose source is gone (under the prefix, or as named). */
  synchronize: boolean;
}

/**
 * Validates a copy message. The `-bck` kinds select by `prefix` (the destination comes
 * from `bck_to` and is passed here as `to`); the `-listrange` kinds by `objnames` or `template`,
 * to `tobck`.
 */
export function parseCopyMessage(value: unknown, kind: CopyKind, to?: BucketJson): CopyArgs {
  const record = caselessRecord(value, kind);
  const destination = to ?? parseBucketJson(record.tobck);
  if (typeof destination === 'string') throw badRequest(`${kind}: "tobck": ${destination}`);
  const prepend = readString(record, 'prepend', kind);
  checkPrepend(prepend, kind);
  const ext = parseExtensions(record.ext, kind);
  const synchronize = readBoolean(record, 'synchronize', kind);
  if (synchronize && prepend !== '')
    throw badRequest(`${kind}: "synchronize" and "prepend" cannot be combined`);
  if (synchronize && Object.keys(ext).length > 0)
    throw notImplemented(`${kind} "synchronize" with an extension remap ("ext")`);
  return {
    selection: kind.endsWith('-bck')
      ? { prefix: readString(record, 'prefix', kind) }
      : parseListRange({ objnames: record.objnames, template: record.template }),
    flags: parseMultiObjectFlags(record, kind),
    to: destination,
    prepend,
    ext,
    dryRun: readBoolean(record, 'dry_run', kind),
    force: readBoolean(record, 'force', kind),
    latestVersion: readBoolean(record, 'latest-ver', kind),
    synchronize,
  };
}

/**
 * Refused up front: a `prepend` that makes every destination name invalid (a `..` segment, a NUL)
 * would otherwise fail each object and the job, after creating the destination bucket.
 */
function checkPrepend(prepend: string, kind: string): void {
  if (prepend === '') return;
  try {
    validateObjectName(`${prepend}x`);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^object name "[^"]*" /, '') : '';
    throw badRequest(`${kind}: "prepend" "${prepend}" ${reason}`);
  }
}

function parseExtensions(value: unknown, kind: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const record = asRecord(value);
  if (record === undefined) throw badRequest(`${kind}: "ext" must map extensions to extensions`);
  return Object.fromEntries(
    Object.entries(record).map(([from, into]) => {
      if (typeof into !== 'string') throw badRequest(`${kind}: "ext" values must be strings`);
      return [withoutDot(from), withoutDot(into)];
    }),
  );
}

const withoutDot = (extension: string): string =>
  extension.startsWith('.') ? extension.slice(1) : extension;

/** `prepend` + the name with its extension remapped (only the last one, after the last slash). */
export function destinationName(args: Pick<CopyArgs, 'prepend' | 'ext'>, name: string): string {
  const dot = name.lastIndexOf('.');
  const extension = dot > name.lastIndexOf('/') ? name.slice(dot + 1) : undefined;
  const into = extension === undefined ? undefined : args.ext[extension];
  return args.prepend + (into === undefined ? name : `${name.slice(0, dot + 1)}${into}`);
}
