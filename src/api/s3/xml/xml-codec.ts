// The S3 XML codec: bounded, validated parsing of request documents and rendering of responses
// (fast-xml-parser both ways). Documents with a DOCTYPE are refused: no entity expansion, ever.
import type { ServerResponse } from 'node:http';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { StoreError } from '../../../errors/index.js';
import { asRecord } from '../../../util/json.js';

/** The namespace of every S3 response document. */
export const s3Namespace = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Elements that may repeat in request documents: always parsed as arrays. */
const repeatedElements = new Set(['Object', 'Part', 'Tag']);

/**
 * Elements whose text is data, kept to the byte: an object key (`<Delete>`'s, a tag's), a tag's
 * value, a lifecycle rule's prefix. S3 keys may begin or end with spaces; trimmed, a DeleteObjects
 * of `"k "` deleted `"k"`. Every other element's text is trimmed (`<Days> 30 </Days>`).
 */
const verbatimElements = new Set(['Key', 'Value', 'Prefix']);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  // Trimmed below, element by element (`verbatimElements`).
  trimValues: false,
  // Numeric character references (Go clients write `&#34;` for quotes) are decoded too.
  htmlEntities: true,
  isArray: (name) => repeatedElements.has(name),
});

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

/** A parsed XML element: nested records, arrays of records, or text. */
export type XmlValue = string | XmlRecord | XmlValue[];
export interface XmlRecord {
  [name: string]: XmlValue | undefined;
}

export function malformedXml(detail: string): StoreError {
  return new StoreError(
    'MalformedXML',
    `The XML you provided was not well-formed or did not validate against our published schema: ${detail}`,
  );
}

/** Parses a request document and returns the content of its root element `rootName`. */
export function parseXmlDocument(text: string, rootName: string): XmlRecord {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw malformedXml('DOCTYPE declarations are not allowed');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw malformedXml(valid.err.msg);
  let parsed: unknown;
  try {
    parsed = trimmed(parser.parse(text) as XmlValue, '');
  } catch (error) {
    throw malformedXml(error instanceof Error ? error.message : 'unparsable');
  }
  const root = asRecord(parsed)?.[rootName];
  // An empty root element parses as '' (no children).
  if (root === '') return {};
  const record = asRecord(root);
  if (record === undefined) throw malformedXml(`expected a <${rootName}> document`);
  return record as XmlRecord;
}

/**
 * The parsed tree with every text trimmed but `verbatimElements`', and the whitespace between
 * elements (`#text` of a record, when only whitespace) dropped: what `trimValues` would give,
 * except for the text that is data.
 */
function trimmed(value: XmlValue, name: string): XmlValue {
  if (typeof value === 'string') return verbatimElements.has(name) ? value : value.trim();
  if (Array.isArray(value)) return value.map((item) => trimmed(item, name));
  const record: XmlRecord = {};
  for (const [child, content] of Object.entries(value)) {
    if (content === undefined) continue;
    if (child === '#text' && typeof content === 'string') {
      if (content.trim() !== '') record[child] = content.trim();
      continue;
    }
    record[child] = trimmed(content, child);
  }
  return record;
}

/** The text of child `name`, or undefined when absent; an element with children is malformed. */
export function childText(record: XmlRecord, name: string): string | undefined {
  const value = record[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformedXml(`<${name}> must hold text`);
  return value;
}

/** The repeated children `name` as records (see `repeatedElements`). */
export function childRecords(record: XmlRecord, name: string): XmlRecord[] {
  const value = record[name];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (item === '') return {};
    const child = asRecord(item);
    if (child === undefined) throw malformedXml(`<${name}> must hold elements`);
    return child as XmlRecord;
  });
}

/** Renders `{ Root: {...} }` as a complete document with the S3 namespace on the root. */
export function renderXml(rootName: string, content: Record<string, unknown>): string {
  const body = builder.build({ [rootName]: { '@_xmlns': s3Namespace, ...content } });
  // An XML reader turns a raw carriage return into a line feed: a key holding one would come back
  // changed (and a list-then-delete would miss it). The builder writes none of its own.
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body.replace(/\r/g, '&#13;')}`;
}

/** Sends an XML document (status 200 unless given). */
export function sendXml(
  res: ServerResponse,
  rootName: string,
  content: Record<string, unknown>,
  status = 200,
): void {
  const text = renderXml(rootName, content);
  res.statusCode = status;
  res.setHeader('content-type', 'application/xml');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** S3's timestamp form in XML: ISO 8601 with milliseconds, UTC. */
export function xmlTime(milliseconds: number): string {
  return new Date(milliseconds).toISOString();
}
