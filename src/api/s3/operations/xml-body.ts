// Small XML request documents (DeleteObjects, CompleteMultipartUpload, Tagging, Versioning): read
// whole with a size limit, with the same digest checks as object bodies, then parsed.
import { StoreError } from '../../../errors/index.js';
import { readSmallBody } from '../../common/body.js';
import { openObjectPayload } from '../body/object-payload.js';
import type { S3Request } from '../request.js';
import { parseXmlDocument, type XmlRecord } from '../xml/xml-codec.js';

/** Largest request document (a CompleteMultipartUpload of 10000 parts fits). */
const maxDocumentBytes = 2 * 1024 * 1024;

/**
 * Reads the body (refusing more than the limit) and returns its root element's content.
 * `checksumHeaders`: see `openObjectPayload`.
 */
export async function readXmlDocument(
  request: S3Request,
  rootName: string,
  checksumHeaders: 'body' | 'object' = 'body',
): Promise<XmlRecord> {
  const text = await readSmallDocument(request, checksumHeaders);
  if (text.trim() === '') throw new StoreError('MalformedXML', `missing <${rootName}> document`);
  return parseXmlDocument(text, rootName);
}

/** The whole body as text ('' when empty), at most `maxDocumentBytes`. */
export async function readSmallDocument(
  request: S3Request,
  checksumHeaders: 'body' | 'object' = 'body',
): Promise<string> {
  const headers = request.context.req.headers;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    return '';
  }
  const payload = openObjectPayload(request.context, request.auth, checksumHeaders);
  if (payload.contentLength > maxDocumentBytes) {
    throw new StoreError(
      'RequestTooLarge',
      `request document larger than ${maxDocumentBytes} bytes`,
    );
  }
  const data = await readSmallBody(payload.body, maxDocumentBytes, 'request document');
  await payload.finish();
  return data.toString('utf8');
}

/** An empty answer with the given status (204 for deletes). */
export function sendEmpty(request: S3Request, status: number): void {
  request.context.res.statusCode = status;
  request.context.res.end();
}

/** The owner S3 clients expect in listings and ACLs (one tenant). */
export const clusterOwner = { ID: 'cairn', DisplayName: 'cairn' };
