// `promote` as targets run it (AIStore's PromoteArgs, `api/apc/promote.go`, plus the phase the
// gateway runs): the source below the node's promote root, and how each file's object is named.
import { basename, relative } from 'node:path/posix';
import { badRequest } from '../errors/index.js';
import type { PromoteArgsJson } from '../wire/index.js';
import { caselessRecord, readBoolean, readString } from './multi-object.js';

/**
 * `scan`: count and hash the files each target sees (the gateway tells a file share from local
 * disks by them); `share`: every target sees the same files and promotes those it owns;
 * `all`: every target promotes every file it sees.
 */
export type PromotePhase = 'scan' | 'share' | 'all';

export interface PromoteArgs {
  src: string;
  obj: string;
  tid: string;
  rcr: boolean;
  ovw: boolean;
  dls: boolean;
  notshr: boolean;
  phase: PromotePhase;
}

/** What the gateway sends its targets: the checked request and the phase. */
export type PromoteJobArgsJson = PromoteArgsJson & { src: string; phase: PromotePhase };

export function parsePromoteJobArgs(value: unknown): PromoteArgs {
  const record = caselessRecord(value, 'promote');
  const phase = readString(record, 'phase', 'promote');
  if (phase !== 'scan' && phase !== 'share' && phase !== 'all')
    throw badRequest(`promote: invalid phase "${phase}"`);
  return {
    src: readString(record, 'src', 'promote'),
    obj: readString(record, 'obj', 'promote'),
    tid: readString(record, 'tid', 'promote'),
    rcr: readBoolean(record, 'rcr', 'promote'),
    ovw: readBoolean(record, 'ovw', 'promote'),
    dls: readBoolean(record, 'dls', 'promote'),
    notshr: readBoolean(record, 'notshr', 'promote'),
    phase,
  };
}

/** Refuses a source that is not the promote root or below it (AIStore: `/var/lib/ais/promote`). */
export function checkPromoteSource(source: string, root: string): void {
  const below = relative(root, source);
  if (below.startsWith('..') || source.split('/').some((part) => part === '.' || part === '..'))
    throw badRequest(`promoted source "${source}" must be ${root} or below it`);
}

/**
 * A file's object name: a single file is `obj` (or `obj` + its base name when `obj` is empty or
 * ends in `/`); a directory's file is `obj` + its path below the directory.
 */
export function promotedName(
  args: Pick<PromoteArgs, 'src' | 'obj'>,
  file: string,
  isDirectory: boolean,
): string {
  if (isDirectory) return args.obj + relative(args.src, file);
  return args.obj === '' || args.obj.endsWith('/') ? args.obj + basename(file) : args.obj;
}
