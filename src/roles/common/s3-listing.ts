// S3 listings over sorted names: rolling keys up into common prefixes at the delimiter (on each
// target), and merging the targets' pages into one (on the gateway).
import type { S3ListRequest } from '../../api/s3/index.js';
import { invariant } from '../../util/assert.js';

/** Names fetched from the store per step while filling a page. */
const batchSize = 1000;

/** A page of keys and common prefixes, each in order, and whether more follow. */
export interface RolledUpPage<T> {
  entries: T[];
  commonPrefixes: string[];
  truncated: boolean;
}

/** The common prefix `key` rolls up into, or undefined when it is listed as itself. */
function commonPrefixOf(
  key: string,
  request: Pick<S3ListRequest, 'prefix' | 'delimiter'>,
): string | undefined {
  if (request.delimiter === '' || !key.startsWith(request.prefix)) return undefined;
  const index = key.indexOf(request.delimiter, request.prefix.length);
  return index < 0 ? undefined : key.slice(0, index + request.delimiter.length);
}

/**
 * Fills one page from `fetch(startAfter, limit)` (keys in ascending order after `startAfter`):
 * at most `maxKeys` items, keys and common prefixes together. After a common prefix the walk
 * resumes past every key that starts with it, so a page never reads a prefix's keys twice.
 * `groupOf` says which prefix a key rolls up into (S3's delimiter rule unless given: the native
 * API's non-recursive listing has its own).
 */
export async function rollUp<T extends { key: string }>(
  request: Pick<S3ListRequest, 'prefix' | 'delimiter' | 'startAfter' | 'maxKeys'>,
  fetch: (startAfter: string, limit: number) => Promise<T[]>,
  groupOf: (key: string) => string | undefined = (key) => commonPrefixOf(key, request),
): Promise<RolledUpPage<T>> {
  const page: RolledUpPage<T> = { entries: [], commonPrefixes: [], truncated: false };
  let cursor = request.startAfter;
  // The common prefix last rolled up: keys still under it (any that sort after `prefix\uffff`,
  // such as `dir/\uffffz`) are passed over, never rolled up again. A marker inside a common
  // prefix (the previous page ended on it) skips the rest of it.
  let skipping = groupOf(request.startAfter);
  if (skipping !== undefined) cursor = pastPrefix(skipping, cursor);
  for (;;) {
    // Never more than the page can still take, plus one to tell whether more follow.
    const limit = Math.min(
      batchSize,
      request.maxKeys - page.entries.length - page.commonPrefixes.length + 1,
    );
    const batch = await fetch(cursor, limit);
    const first = batch[0];
    // Every step must move on: a fetch that does not would make this loop spin for ever.
    invariant(first === undefined || first.key > cursor, 'a listing step did not move on');
    let jumped = false;
    for (const item of batch) {
      const prefix = groupOf(item.key);
      if (prefix !== undefined && prefix === skipping) {
        cursor = item.key;
        continue;
      }
      if (page.entries.length + page.commonPrefixes.length >= request.maxKeys) {
        page.truncated = true;
        return page;
      }
      if (prefix !== undefined) {
        if (prefix > request.startAfter) page.commonPrefixes.push(prefix);
        skipping = prefix;
        cursor = pastPrefix(prefix, item.key);
        jumped = true;
        break;
      }
      cursor = item.key;
      page.entries.push(item);
    }
    if (!jumped && batch.length < limit) return page;
  }
}

/**
 * Where a walk resumes to pass over the keys under `prefix`: after `prefix\uffff` (past nearly all
 * of them at once), or after `key` when that is further on.
 */
function pastPrefix(prefix: string, key: string): string {
  const skipTo = `${prefix}\uffff`;
  return skipTo > key ? skipTo : key;
}

/**
 * Merges the targets' pages: sorted, cut at `maxKeys`, each entry once (`identity`: a key, or a
 * key's version or upload; two targets hold the same object for a while during a rebalance).
 */
export function mergeRolledUp<T extends { key: string }>(
  pages: ReadonlyArray<RolledUpPage<T>>,
  maxKeys: number,
  options: {
    compare?: (left: T, right: T) => number;
    identity?: (entry: T) => string;
  } = {},
): RolledUpPage<T> {
  const {
    compare = (left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0),
    identity = (entry) => entry.key,
  } = options;
  type Item = { key: string; entry?: T };
  const items: Item[] = [];
  const prefixes = new Set<string>();
  const seen = new Set<string>();
  for (const page of pages) {
    for (const entry of page.entries) {
      const id = identity(entry);
      if (seen.has(id)) continue;
      seen.add(id);
      items.push({ key: entry.key, entry });
    }
    for (const prefix of page.commonPrefixes) prefixes.add(prefix);
  }
  for (const prefix of prefixes) items.push({ key: prefix });
  items.sort((left, right) => {
    if (left.entry !== undefined && right.entry !== undefined)
      return compare(left.entry, right.entry);
    return left.key < right.key ? -1 : left.key > right.key ? 1 : 0;
  });
  const kept = items.slice(0, maxKeys);
  return {
    entries: kept.flatMap((item) => (item.entry === undefined ? [] : [item.entry])),
    commonPrefixes: kept.flatMap((item) => (item.entry === undefined ? [item.key] : [])),
    truncated: items.length > maxKeys || pages.some((page) => page.truncated),
  };
}
