// Which objects a multi-object job touches on this target: listed names, a range template, or a
// prefix (AIStore's ListRange), keeping only the names this target owns.
import { badRequest } from '../errors/index.js';
import type { ClusterMap } from '../cluster/index.js';
import type { LocalStore } from '../storage/index.js';
import { expandRangeTemplate, parseRangeTemplate } from '../util/range-template.js';
import { asRecord } from '../util/json.js';
import { objectUname, type BucketJson, type ListRangeJson } from '../wire/index.js';

/**
 * What a multi-object job selects: a ListRange, or (copying a bucket) a plain prefix that no range
 * syntax is read in.
 */
export interface ObjectSelection extends ListRangeJson {
  prefix?: string;
}

/** Largest number of names a template may expand to. */
export const maxTemplateNames = 10_000_000;
const listPageSize = 1000;

/** Validates a ListRange value from an action message. */
export function parseListRange(value: unknown): ListRangeJson {
  const record = asRecord(value);
  if (record === undefined)
    throw badRequest('expected a list or range: {"objnames": [...]} or {"template": "..."}');
  const { objnames, template } = record;
  if (objnames !== undefined && objnames !== null) {
    if (!Array.isArray(objnames) || !objnames.every((name) => typeof name === 'string')) {
      throw badRequest('"objnames" must be an array of strings');
    }
    return { objnames: objnames };
  }
  if (typeof template !== 'string') throw badRequest('expected "objnames" or "template"');
  const parsed = parseTemplateOrPrefix(template);
  if (parsed !== undefined && parsed.count > maxTemplateNames) {
    throw badRequest(
      `template "${template}" expands to ${parsed.count} names (limit ${maxTemplateNames})`,
    );
  }
  return { template };
}

function parseTemplateOrPrefix(template: string): ReturnType<typeof parseRangeTemplate> {
  try {
    return parseRangeTemplate(template);
  } catch (error) {
    throw badRequest(error instanceof Error ? error.message : String(error));
  }
}

/** The prefix a selection without names or ranges means (`""` and `*` are the whole bucket). */
export function selectionPrefix(selection: ObjectSelection): string | undefined {
  if (selection.objnames !== undefined) return undefined;
  if (selection.prefix !== undefined) return trimWildcard(selection.prefix);
  const template = selection.template ?? '';
  if (parseTemplateOrPrefix(template) !== undefined) return undefined;
  return trimWildcard(template);
}

/** AIStore trims a trailing `*` off a prefix. */
function trimWildcard(prefix: string): string {
  return prefix.endsWith('*') ? prefix.slice(0, -1) : prefix;
}

/** Every name a list or range selection names, in order (none for a prefix). */
export function* selectedNames(selection: ObjectSelection): Generator<string> {
  if (selection.objnames !== undefined) {
    yield* selection.objnames;
    return;
  }
  if (selection.prefix !== undefined) return;
  const template = parseTemplateOrPrefix(selection.template ?? '');
  if (template !== undefined) yield* expandRangeTemplate(template);
}

/** How a target walks a selection: its cluster map, its store, and what to skip. */
export interface SelectionScope {
  bucket: BucketJson;
  nodeId: string;
  map: ClusterMap;
  store: LocalStore;
  /** A prefix selects the objects directly under it, not in its virtual subdirectories. */
  nonRecursive: boolean;
}

/**
 * Yields the selected names that this target owns: listed or expanded names (whether they exist or
 * not), or the objects it holds under a prefix.
 */
export async function* selectOwnedObjects(
  selection: ObjectSelection,
  scope: SelectionScope,
): AsyncGenerator<string> {
  const { bucket, nodeId, map, store } = scope;
  const owned = (name: string): boolean => map.ownerOf(objectUname(bucket, name))?.id === nodeId;
  const prefix = selectionPrefix(selection);
  if (prefix === undefined) {
    for (const name of selectedNames(selection)) if (owned(name)) yield name;
    return;
  }
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.listObjects(bucket, {
      prefix,
      ...(startAfter === undefined ? {} : { startAfter }),
      limit: listPageSize,
      withMetadata: false,
    });
    for (const { name } of page) {
      if (scope.nonRecursive && name.slice(prefix.length).includes('/')) continue;
      // A copy a rebalance has not moved away yet is its owner's to visit.
      if (owned(name)) yield name;
    }
    if (page.length < listPageSize) return;
    startAfter = page[page.length - 1]?.name;
  }
}
