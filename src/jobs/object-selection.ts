// Which objects a multi-object job touches on this target: listed names, a range template, or a
// prefix (AIStore's ListRange), keeping only the names this target owns.
import { badRequest } from '../errors/index.js';
import type { ClusterMap } from '../cluster/index.js';
import type { LocalStore } from '../storage/index.js';
import { expandBraceTemplate, parseBraceTemplate } from '../util/brace-template.js';
import { asRecord } from '../util/json.js';
import { objectUname, type BucketJson, type ListRangeJson } from '../wire/index.js';

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

function parseTemplateOrPrefix(template: string): ReturnType<typeof parseBraceTemplate> {
  try {
    return parseBraceTemplate(template);
  } catch (error) {
    throw badRequest(error instanceof Error ? error.message : String(error));
  }
}

/** Yields the selected names that this target owns (listed or expanded names) or holds (prefix). */
export async function* selectOwnedObjects(
  selection: ListRangeJson,
  bucket: BucketJson,
  nodeId: string,
  map: ClusterMap,
  store: LocalStore,
): AsyncGenerator<string> {
  const owned = (name: string): boolean => map.ownerOf(objectUname(bucket, name))?.id === nodeId;
  if (selection.objnames !== undefined) {
    for (const name of selection.objnames) if (owned(name)) yield name;
    return;
  }
  const template = parseTemplateOrPrefix(selection.template ?? '');
  if (template !== undefined) {
    for (const name of expandBraceTemplate(template)) if (owned(name)) yield name;
    return;
  }
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.listObjects(bucket, {
      prefix: selection.template ?? '',
      ...(startAfter === undefined ? {} : { startAfter }),
      limit: listPageSize,
      withMetadata: false,
    });
    for (const entry of page) yield entry.name;
    if (page.length < listPageSize) return;
    startAfter = page[page.length - 1]?.name;
  }
}
