// Merging per-target list pages into one page (AIStore's "A-flow"): sort, dedupe, truncate, and
// hand out a continuation token only when the page is full.
import type { ListEntryJson, ListPageJson } from '../../wire/index.js';

export function mergeListPages(
  pages: readonly ListPageJson[],
  pageSize: number,
  uuid: string,
): ListPageJson {
  const byName = new Map<string, ListEntryJson>();
  for (const page of pages) {
    for (const entry of page.entries) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  }
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const entries = names.slice(0, pageSize).map((name) => byName.get(name) as ListEntryJson);
  const full = entries.length === pageSize && names.length >= pageSize;
  const anyTargetFull = pages.some((page) => page.continuation_token !== '');
  const more = full && (names.length > pageSize || anyTargetFull);
  return {
    uuid,
    continuation_token: more ? (entries[entries.length - 1]?.name ?? '') : '',
    entries,
    flags: 0,
  };
}
