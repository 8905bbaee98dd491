// Object attributes on the wire: user metadata (`x-amz-meta-*`), content headers and tags read from
// a request, and an object's description written as response headers (and read back from one).
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { expirationHeaderValue } from './lifecycle-configuration.js';
import { setLockHeaders } from './object-lock.js';
import { setEncryptionHeaders } from './sse-headers.js';
import { checksumTypeOfValue, isChecksumAlgorithm } from './body/checksum-algorithms.js';
import { StoreError } from '../../errors/index.js';
import type { S3ObjectAttributes, S3ObjectInfo } from './ports.js';
import { childRecords, childText, type XmlRecord } from './xml/xml-codec.js';

/** Headers S3 stores with an object and returns on GET and HEAD. */
export const contentHeaderNames = [
  'content-type',
  'content-encoding',
  'content-disposition',
  'content-language',
  'cache-control',
  'expires',
] as const;

const userMetadataPrefix = 'x-amz-meta-';
/** S3's limit on the user metadata of one object (names and values, UTF-8). */
const maxUserMetadataBytes = 2048;
const maxTags = 10;
/** Internal: the full tag set, on answers to forwarded requests (copies need it). */
export const tagsHeader = 'x-cairn-s3-tags';

const headerValuePattern = /^[\t\x20-\x7e\x80-\xff]*$/;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** User metadata, content headers and tags (`x-amz-tagging`) of a PUT, copy or upload. */
export function attributesFromHeaders(headers: IncomingHttpHeaders): S3ObjectAttributes {
  const userMetadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(userMetadataPrefix)) continue;
    const key = name.slice(userMetadataPrefix.length);
    const text = Array.isArray(value) ? value.join(',') : (value ?? '');
    metadataBytes += Buffer.byteLength(key) + Buffer.byteLength(text);
    Object.defineProperty(userMetadata, key, { value: text, enumerable: true, writable: true });
  }
  if (metadataBytes > maxUserMetadataBytes) {
    throw new StoreError(
      'MetadataTooLarge',
      `Your metadata headers exceed the maximum allowed metadata size (${maxUserMetadataBytes} bytes).`,
    );
  }
  const contentHeaders: Record<string, string> = {};
  for (const name of contentHeaderNames) {
    let value = firstValue(headers[name]);
    if (name === 'content-encoding' && value !== undefined) {
      // aws-chunked describes the transfer, not the object.
      value = value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '' && item !== 'aws-chunked')
        .join(',');
    }
    if (value !== undefined && value !== '') contentHeaders[name] = value;
  }
  const tagging = firstValue(headers['x-amz-tagging']);
  return {
    userMetadata,
    contentHeaders,
    tags: tagging === undefined ? {} : parseTagQuery(tagging),
  };
}

/** `k1=v1&k2=v2` (the x-amz-tagging form) into a checked tag set. */
export function parseTagQuery(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) addTag(tags, key, value);
  return tags;
}

/**
 * Adds one tag, enforcing S3's limits (keys of 1 to 128 characters not starting with `aws:`,
 * values up to 256, no duplicate key, at most `limit` tags: 10 on an object, 50 on a bucket).
 */
export function addTag(
  tags: Record<string, string>,
  key: string,
  value: string,
  limit = maxTags,
): void {
  if (key === '' || [...key].length > 128)
    throw invalidTag(`The TagKey you have provided is invalid: "${key.slice(0, 130)}"`);
  if ([...value].length > 256)
    throw invalidTag('The TagValue you have provided is too long, max 256');
  if (key.startsWith('aws:')) throw invalidTag('Your TagKey cannot be prefixed with aws:');
  if (Object.hasOwn(tags, key))
    throw invalidTag(`Cannot provide multiple Tags with the same key: ${key}`);
  if (Object.keys(tags).length >= limit) throw invalidTag(`Cannot have more than ${limit} tags`);
  Object.defineProperty(tags, key, { value, enumerable: true, writable: true });
}

function invalidTag(message: string): StoreError {
  return new StoreError('InvalidTag', message);
}

/** The content of a `<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>` document. */
export function tagsFromDocument(document: XmlRecord, limit = maxTags): Record<string, string> {
  const tagSet = document.TagSet;
  const tags: Record<string, string> = {};
  if (tagSet === undefined || tagSet === '') return tags;
  if (typeof tagSet !== 'object' || Array.isArray(tagSet)) {
    throw new StoreError('MalformedXML', 'TagSet must hold Tag elements');
  }
  for (const tag of childRecords(tagSet, 'Tag')) {
    const key = childText(tag, 'Key');
    if (key === undefined) throw new StoreError('MalformedXML', 'Tag without a Key');
    addTag(tags, key, childText(tag, 'Value') ?? '', limit);
  }
  return tags;
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

export interface ObjectHeaderOptions {
  /** Send `x-amz-checksum-*` (the client sent `x-amz-checksum-mode: ENABLED`). */
  checksums: boolean;
  /** Send the whole tag set (answers to other nodes only). */
  allTags: boolean;
}

/** Writes an object's description as GET/HEAD response headers. */
export function setObjectHeaders(
  res: ServerResponse,
  info: S3ObjectInfo,
  options: ObjectHeaderOptions,
): void {
  res.setHeader('etag', quoteEtag(info.etag));
  res.setHeader('last-modified', new Date(info.modifiedTimeMs).toUTCString());
  res.setHeader('accept-ranges', 'bytes');
  res.setHeader('content-type', info.contentHeaders['content-type'] ?? 'binary/octet-stream');
  for (const name of contentHeaderNames) {
    const value = info.contentHeaders[name];
    if (name !== 'content-type' && value !== undefined && headerValuePattern.test(value))
      res.setHeader(name, value);
  }
  for (const [key, value] of Object.entries(info.userMetadata)) {
    // Names and values that cannot travel in an HTTP header are not returned (S3 counts them in
    // x-amz-missing-meta).
    if (headerNamePattern.test(key) && headerValuePattern.test(value)) {
      res.setHeader(`${userMetadataPrefix}${key}`, value);
    }
  }
  if (info.versionId !== undefined) res.setHeader('x-amz-version-id', info.versionId);
  const tagCount = Object.keys(info.tags).length;
  if (tagCount > 0) res.setHeader('x-amz-tagging-count', String(tagCount));
  if (options.allTags && tagCount > 0)
    res.setHeader(tagsHeader, new URLSearchParams(info.tags).toString());
  if (info.partsCount !== undefined && options.allTags)
    res.setHeader('x-amz-mp-parts-count', String(info.partsCount));
  if (options.checksums) {
    for (const [algorithm, value] of Object.entries(info.checksums)) {
      res.setHeader(`x-amz-checksum-${algorithm}`, value);
    }
    // Multipart objects carry a composite (`...-N`) or a full-object checksum.
    const [first] = Object.values(info.checksums);
    if (first !== undefined) res.setHeader('x-amz-checksum-type', checksumTypeOfValue(first));
  }
  if (info.lock !== undefined) setLockHeaders(res, info.lock);
  setExpirationHeader(res, info);
  setEncryptionHeaders(res, info.encryption);
}

/** `x-amz-expiration` of a version the bucket's lifecycle rules expire (GET, HEAD, PUT). */
export function setExpirationHeader(
  res: ServerResponse,
  info: { expiration?: { atMs: number; ruleId: string } },
): void {
  if (info.expiration !== undefined)
    res.setHeader(
      'x-amz-expiration',
      expirationHeaderValue(info.expiration.atMs, info.expiration.ruleId),
    );
}

/** Reads an object's description back from the headers of a GET answer (a copy's remote source). */
export function objectInfoFromHeaders(key: string, headers: IncomingHttpHeaders): S3ObjectInfo {
  const userMetadata: Record<string, string> = {};
  const contentHeaders: Record<string, string> = {};
  const checksums: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = firstValue(value) ?? '';
    if (name.startsWith(userMetadataPrefix)) {
      Object.defineProperty(userMetadata, name.slice(userMetadataPrefix.length), {
        value: text,
        enumerable: true,
        writable: true,
      });
    } else if (
      name.startsWith('x-amz-checksum-') &&
      isChecksumAlgorithm(name.slice('x-amz-checksum-'.length))
    ) {
      // Not `x-amz-checksum-type`, which says what kind the checksum is.
      checksums[name.slice('x-amz-checksum-'.length)] = text;
    } else if ((contentHeaderNames as readonly string[]).includes(name)) {
      contentHeaders[name] = text;
    }
  }
  const tags = firstValue(headers[tagsHeader]);
  const versionId = firstValue(headers['x-amz-version-id']);
  // A ranged answer names the whole size in Content-Range (`bytes a-b/size`).
  const totalFromRange = /\/(\d+)$/.exec(firstValue(headers['content-range']) ?? '')?.[1];
  const size = Number(totalFromRange ?? firstValue(headers['content-length']));
  const info: S3ObjectInfo = {
    key,
    size: Number.isSafeInteger(size) ? size : 0,
    etag: (firstValue(headers.etag) ?? '').replace(/"/g, ''),
    modifiedTimeMs: Date.parse(firstValue(headers['last-modified']) ?? '') || Date.now(),
    userMetadata,
    contentHeaders,
    tags: tags === undefined ? {} : Object.fromEntries(new URLSearchParams(tags)),
    checksums,
  };
  if (versionId !== undefined) info.versionId = versionId;
  return info;
}
