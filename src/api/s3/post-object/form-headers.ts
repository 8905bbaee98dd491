// The fields of a browser form upload that describe the object, as the headers of the PutObject
// that stores it: content headers, `x-amz-meta-*`, checksums, object lock and the other
// `x-amz-*` fields keep their names; `acl` and `tagging` (an XML document) become `x-amz-acl`
// and `x-amz-tagging`. The target then treats them exactly as a PUT's headers.
import { StoreError } from '../../../errors/index.js';
import { contentHeaderNames, tagsFromDocument } from '../object-headers.js';
import { parseXmlDocument } from '../xml/xml-codec.js';

/** Fields of the form's own signature: they describe the request, not the object. */
const signatureFields: ReadonlySet<string> = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-signature',
  'x-amz-security-token',
]);

const passedAsNamed: ReadonlySet<string> = new Set([...contentHeaderNames, 'content-md5']);

/** Header values hold no control characters (a textarea's line breaks among them) but tabs. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** The PutObject headers of the fields (names in lower case). */
export function objectHeadersOfForm(fields: ReadonlyMap<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (name.startsWith('x-amz-copy-source'))
      throw new StoreError('InvalidArgument', `POST Object does not take the field "${name}"`);
    if (passedAsNamed.has(name) || (name.startsWith('x-amz-') && !signatureFields.has(name)))
      headers[name] = headerValue(name, value);
    else if (name === 'acl') headers['x-amz-acl'] = headerValue(name, value);
  }
  const tagging = fields.get('tagging');
  if (tagging !== undefined) {
    const tags = tagsFromDocument(parseXmlDocument(tagging, 'Tagging'));
    headers['x-amz-tagging'] = new URLSearchParams(Object.entries(tags)).toString();
  }
  return headers;
}

/**
 * A field's value as a header carries it: its UTF-8 bytes, one character each (what Node reads
 * from a PUT's raw UTF-8 header, so both store the same); control characters are refused.
 */
function headerValue(name: string, value: string): string {
  if (hasControlCharacter(value))
    throw new StoreError('InvalidArgument', `the form field "${name}" holds control characters`);
  return Buffer.from(value, 'utf8').toString('latin1');
}
