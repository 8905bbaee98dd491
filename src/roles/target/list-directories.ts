// A target's non-recursive listing (AIStore's LsNoRecursion): the objects directly under the
// prefix and one entry per virtual directory one level down, named with a trailing `/` and flagged
// EntryIsDir only. The walk skips each directory's objects once it has met the directory, as S3's
// delimiter listing skips a common prefix's keys (the same roll-up does both).
import { EntryFlag, type ListEntryJson } from '../../wire/index.js';
import { rollUp } from '../common/s3-listing.js';

/**
 * The directory entry `name` is listed as under `prefix`, or undefined when it is listed as an
 * object. As AIStore's walk (`CheckDirNoRecurs`): `""` and `/` are the top level; a prefix without
 * a trailing slash names both siblings (`aaa` lists the directory `aaab/`) and the directory of
 * that exact name, which the walk enters (`aaa` lists the object `aaa/x`, the directory `aaa/b/`).
 */
export function directoryOf(name: string, prefix: string): string | undefined {
  const base = prefix === '/' ? '' : prefix;
  if (!name.startsWith(base)) return undefined;
  const entered = base !== '' && !base.endsWith('/') && name.startsWith(`${base}/`);
  const slash = name.indexOf('/', entered ? base.length + 1 : base.length);
  return slash < 0 ? undefined : name.slice(0, slash + 1);
}

/** Reads up to `limit` object entries after a name, ascending (the target's store walk). */
export type EntryWalk = (after: string, limit: number) => Promise<ListEntryJson[]>;

/**
 * Up to `limit` entries after `startAfter` in name order, objects and directories together
 * (`noDirs`: objects only, AIStore's LsNoDirs), and whether more may follow. A token that is a
 * directory resumes after everything under it.
 */
export async function listOneLevel(
  prefix: string,
  startAfter: string,
  limit: number,
  noDirs: boolean,
  walk: EntryWalk,
): Promise<{ entries: ListEntryJson[]; more: boolean }> {
  const entries: ListEntryJson[] = [];
  let after = startAfter;
  let more = true;
  // Without directories a page may come back short of entries: it is filled from where it ended.
  while (more && entries.length < limit) {
    const page = await rollUp(
      { prefix, delimiter: '/', startAfter: after, maxKeys: limit - entries.length },
      async (from, wanted) =>
        (await walk(from, wanted)).map((entry) => ({ key: entry.name, entry })),
      (name) => directoryOf(name, prefix),
    );
    const objects = page.entries.map((item) => item.entry);
    const directories: ListEntryJson[] = page.commonPrefixes.map((name) => ({
      name,
      flags: EntryFlag.isDirectory,
    }));
    const merged = [...objects, ...directories].sort((left, right) =>
      left.name < right.name ? -1 : left.name > right.name ? 1 : 0,
    );
    const last = merged[merged.length - 1];
    if (last !== undefined) after = last.name;
    more = page.truncated;
    entries.push(...(noDirs ? objects : merged));
  }
  return { entries, more };
}
