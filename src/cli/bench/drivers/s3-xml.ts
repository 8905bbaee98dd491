// The little S3 XML the load generator reads: ListObjectsV2 pages and error bodies. Responses are
// flat and machine-written, so element extraction by pattern is enough; no XML library needed.

/** One ListObjectsV2 page. */
export interface ListPage {
  objects: { name: string; sizeBytes: number }[];
  /** Present when more pages follow. */
  continuationToken: string | undefined;
}

export function parseListPage(xml: string): ListPage {
  const objects = [];
  for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const entry = match[1] ?? '';
    const name = elementText(entry, 'Key');
    const size = Number(elementText(entry, 'Size') ?? Number.NaN);
    if (name !== undefined && Number.isSafeInteger(size)) objects.push({ name, sizeBytes: size });
  }
  const truncated = elementText(xml, 'IsTruncated') === 'true';
  const token = elementText(xml, 'NextContinuationToken');
  return { objects, continuationToken: truncated ? token : undefined };
}

/** `NoSuchBucket: The specified bucket does not exist`, or undefined when not an S3 error. */
export function describeErrorXml(xml: string): string | undefined {
  const code = elementText(xml, 'Code');
  if (code === undefined) return undefined;
  const message = elementText(xml, 'Message');
  return message === undefined ? code : `${code}: ${message}`;
}

/** The decoded text of the first `<tag>` element, or undefined. */
export function elementText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decodeEntities(match[1]);
}

const entities: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return entities[entity] ?? whole;
  });
}
