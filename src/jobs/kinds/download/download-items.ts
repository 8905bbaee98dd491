// The objects one target downloads: of a job's names and links (listed, or expanded from a URL
// range template), or of a remote bucket's listing, those whose object this target owns by HRW.
// A name that cannot be an object's is handed on with its error, to be reported per object.
import { posix } from 'node:path';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { isStoreError } from '../../../errors/index.js';
import { expandRangeTemplate } from '../../../util/range-template.js';
import type { DownloadSource } from './download-request.js';
import { baseName, checkedLink, checkedName, normalizeObjectName } from './download-request.js';

/** One object to download: from `link`, or ('' ) from the bucket's own backend. */
export interface DownloadItem {
  name: string;
  link: string;
  /** Why it cannot be downloaded (reported as the object's error). */
  error?: string;
}

/** Names examined between two yields to the event loop (a template may name millions). */
const namesPerTurn = 1000;

export interface ItemScope {
  /** Whether this target owns the object `name`. */
  owns(name: string): boolean;
  /** A remote bucket's object names under a prefix, as its backend lists them. */
  remoteNames(prefix: string): AsyncIterable<string>;
}

/** The items this target owns, in the request's order. */
export async function* ownedItems(
  source: DownloadSource,
  scope: ItemScope,
): AsyncGenerator<DownloadItem> {
  let examined = 0;
  for await (const item of allItems(source, scope)) {
    examined += 1;
    if (examined % namesPerTurn === 0) await yieldToEvents();
    if (scope.owns(item.name === '' ? item.link : item.name)) yield item;
  }
}

/** How many items this target owns; undefined when only listing the remote would tell. */
export async function countOwned(
  source: DownloadSource,
  scope: ItemScope,
  signal: AbortSignal,
): Promise<number | undefined> {
  if (source.kind === 'backend') return undefined;
  let count = 0;
  for await (const item of ownedItems(source, scope)) {
    // An aborted job stops counting too: a template may name millions of links.
    if (signal.aborted) return undefined;
    if (item !== undefined) count += 1;
  }
  return count;
}

async function* allItems(source: DownloadSource, scope: ItemScope): AsyncGenerator<DownloadItem> {
  switch (source.kind) {
    case 'objects':
      for (const [name, link] of source.objects) yield { name, link };
      return;
    case 'range':
      for (const link of expandRangeTemplate(source.template)) yield rangeItem(link, source.subdir);
      return;
    case 'backend':
      for await (const name of scope.remoteNames(source.prefix))
        if (name.endsWith(source.suffix)) yield { name, link: '' };
  }
}

/** A range's object is named by its link's base name, under `subdir`. */
function rangeItem(link: string, subdir: string): DownloadItem {
  const name = normalizeObjectName(posix.join(subdir, baseName(link)));
  try {
    return { name: checkedName(baseName(link) === '' ? '' : name), link: checkedLink(link) };
  } catch (error) {
    return { name, link, error: isStoreError(error) ? error.message : String(error) };
  }
}
