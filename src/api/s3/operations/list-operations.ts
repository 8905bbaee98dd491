// Listings: ListObjects (V1: marker), ListObjectsV2 (continuation token, start-after),
// ListObjectVersions and ListMultipartUploads, with delimiters and `encoding-type=url`.
import { StoreError } from '../../../errors/index.js';
import { randomId } from '../../../util/ids.js';
import { uriEncode } from '../auth/signature-v4.js';
import { quoteEtag } from '../object-headers.js';
import type { S3Operation } from '../operation.js';
import type { S3ListRequest } from '../ports.js';
import { checkedVersionId, type S3Handler, type S3Request } from '../request.js';
import { sendXml, xmlTime } from '../xml/xml-codec.js';
import { clusterOwner } from './xml-body.js';

/** S3's page limit (and default). */
export const maxListKeys = 1000;

function parameter(request: S3Request, name: string): string {
  return request.context.query.get(name) ?? '';
}

function maxKeysOf(request: S3Request, name: string, negativeMessage: string): number {
  const text = request.context.query.get(name);
  if (text === null || text === '') return maxListKeys;
  // S3's two refusals (both 400 InvalidArgument): a negative count, and anything that is not an
  // int32 at all. Leading zeros are fine.
  if (/^-\d+$/.test(text)) throw new StoreError('InvalidArgument', negativeMessage);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 2_147_483_647) {
    throw new StoreError(
      'InvalidArgument',
      `Provided ${name} not an integer or within integer range`,
    );
  }
  return Math.min(value, maxListKeys);
}

/** ListObjects' and ListObjectsV2's message for a negative max-keys. */
const negativeMaxKeys = 'Argument maxKeys must be an integer between 0 and 2147483647';

/** Keys and prefixes as the client asked: raw, or URL-encoded with `encoding-type=url`. */
function encoderOf(request: S3Request): (text: string) => string {
  const encoding = request.context.query.get('encoding-type');
  if (encoding === null || encoding === '') return (text) => text;
  if (encoding !== 'url')
    throw new StoreError('InvalidArgument', 'Invalid Encoding Method specified in Request');
  return (text) => uriEncode(text, true);
}

function listRequest(request: S3Request, startAfter: string, maxKeys: number): S3ListRequest {
  return {
    prefix: parameter(request, 'prefix'),
    delimiter: parameter(request, 'delimiter'),
    startAfter,
    maxKeys,
  };
}

/** The last key or common prefix of a page: where the next page starts. */
function lastItem(page: { entries: Array<{ key: string }>; commonPrefixes: string[] }): string {
  const lastKey = page.entries[page.entries.length - 1]?.key ?? '';
  const lastPrefix = page.commonPrefixes[page.commonPrefixes.length - 1] ?? '';
  return lastKey > lastPrefix ? lastKey : lastPrefix;
}

/** `<EncodingType>url</EncodingType>` when the client asked for URL-encoded keys. */
function encodingTypeElement(request: S3Request): { EncodingType?: 'url' } {
  return request.context.query.get('encoding-type') === 'url' ? { EncodingType: 'url' } : {};
}

/** A page of `fetch`, or an empty one without asking when the client wants no keys. */
async function pageOf<T extends { commonPrefixes: string[]; truncated: boolean }>(
  request: S3Request,
  maxKeys: number,
  empty: T,
  fetch: () => Promise<T>,
): Promise<T> {
  request.ports.buckets.headBucket(request.bucket);
  return maxKeys === 0 ? empty : await fetch();
}

async function listPage(request: S3Request, startAfter: string, maxKeys: number, session?: string) {
  const listing = {
    ...listRequest(request, startAfter, maxKeys),
    ...(session === undefined ? {} : { session }),
  };
  const empty = { entries: [], commonPrefixes: [], truncated: false };
  const page = await pageOf(request, maxKeys, empty, () =>
    request.ports.buckets.listObjects(request.bucket, listing),
  );
  return { listing, page };
}

function contentsOf(
  request: S3Request,
  page: Awaited<ReturnType<typeof listPage>>['page'],
  owner: boolean,
) {
  const encode = encoderOf(request);
  return {
    Contents: page.entries.map((entry) => ({
      Key: encode(entry.key),
      LastModified: xmlTime(entry.modifiedTimeMs),
      ETag: quoteEtag(entry.etag),
      Size: entry.size,
      ...(owner ? { Owner: clusterOwner } : {}),
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  };
}

const listObjects: S3Handler = async (request) => {
  const encode = encoderOf(request);
  const marker = parameter(request, 'marker');
  const maxKeys = maxKeysOf(request, 'max-keys', negativeMaxKeys);
  const { listing, page } = await listPage(request, marker, maxKeys);
  const next = lastItem(page);
  sendXml(request.context.res, 'ListBucketResult', {
    Name: request.bucket,
    Prefix: encode(listing.prefix),
    Marker: encode(marker),
    MaxKeys: maxKeys,
    ...(listing.delimiter === '' ? {} : { Delimiter: encode(listing.delimiter) }),
    IsTruncated: page.truncated,
    ...(page.truncated && listing.delimiter !== '' ? { NextMarker: encode(next) } : {}),
    ...encodingTypeElement(request),
    ...contentsOf(request, page, true),
  });
};

/** A V2 continuation token: `2:<listing session>:<last key>`, base64url (opaque to clients). */
function encodeToken(session: string, next: string): string {
  return Buffer.from(`2:${session}:${next}`, 'utf8').toString('base64url');
}

/** Also reads the older `1:<last key>` tokens (no session: the listing gets a new one). */
function decodeToken(token: string): { session: string; from: string } {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (decoded.startsWith('1:')) return { session: randomId(10), from: decoded.slice(2) };
  const match = /^2:([A-Za-z0-9]+):/.exec(decoded);
  if (match === null)
    throw new StoreError('InvalidArgument', 'The continuation token provided is incorrect');
  return { session: match[1] ?? '', from: decoded.slice(match[0].length) };
}

const listObjectsV2: S3Handler = async (request) => {
  const encode = encoderOf(request);
  const token = request.context.query.get('continuation-token');
  const startAfter = parameter(request, 'start-after');
  const { session, from } =
    token === null ? { session: randomId(10), from: startAfter } : decodeToken(token);
  const maxKeys = maxKeysOf(request, 'max-keys', negativeMaxKeys);
  const { listing, page } = await listPage(
    request,
    from > startAfter ? from : startAfter,
    maxKeys,
    session,
  );
  const next = lastItem(page);
  sendXml(request.context.res, 'ListBucketResult', {
    Name: request.bucket,
    Prefix: encode(listing.prefix),
    ...(listing.delimiter === '' ? {} : { Delimiter: encode(listing.delimiter) }),
    MaxKeys: maxKeys,
    KeyCount: page.entries.length + page.commonPrefixes.length,
    IsTruncated: page.truncated,
    ...(token === null ? {} : { ContinuationToken: token }),
    ...(page.truncated ? { NextContinuationToken: encodeToken(session, next) } : {}),
    ...(startAfter === '' ? {} : { StartAfter: encode(startAfter) }),
    ...encodingTypeElement(request),
    ...contentsOf(request, page, request.context.query.get('fetch-owner') === 'true'),
  });
};

const listObjectVersions: S3Handler = async (request) => {
  const encode = encoderOf(request);
  const keyMarker = parameter(request, 'key-marker');
  const versionIdMarker = parameter(request, 'version-id-marker');
  if (versionIdMarker !== '' && keyMarker === '') {
    throw new StoreError(
      'InvalidArgument',
      'A version-id marker cannot be specified without a key marker.',
    );
  }
  if (versionIdMarker !== '') checkedVersionId(versionIdMarker, 'version-id-marker');
  const maxKeys = maxKeysOf(request, 'max-keys', 'max-keys cannot be negative');
  const listing = { ...listRequest(request, keyMarker, maxKeys), versionIdMarker };
  const page = await pageOf(
    request,
    maxKeys,
    { entries: [], commonPrefixes: [], truncated: false },
    () => request.ports.buckets.listObjectVersions(request.bucket, listing),
  );
  const last = page.entries[page.entries.length - 1];
  const nextKey = lastItem(page);
  const item = (entry: (typeof page.entries)[number]) => ({
    Key: encode(entry.key),
    VersionId: entry.versionId,
    IsLatest: entry.isLatest,
    LastModified: xmlTime(entry.modifiedTimeMs),
    ...(entry.deleteMarker
      ? { Owner: clusterOwner }
      : {
          ETag: quoteEtag(entry.etag),
          Size: entry.size,
          Owner: clusterOwner,
          StorageClass: 'STANDARD',
        }),
  });
  sendXml(request.context.res, 'ListVersionsResult', {
    Name: request.bucket,
    Prefix: encode(listing.prefix),
    KeyMarker: encode(keyMarker),
    VersionIdMarker: versionIdMarker,
    MaxKeys: maxKeys,
    ...(listing.delimiter === '' ? {} : { Delimiter: encode(listing.delimiter) }),
    IsTruncated: page.truncated,
    ...(page.truncated
      ? {
          NextKeyMarker: encode(nextKey),
          ...(last !== undefined && nextKey === last.key
            ? { NextVersionIdMarker: last.versionId }
            : {}),
        }
      : {}),
    Version: page.entries.filter((entry) => !entry.deleteMarker).map(item),
    DeleteMarker: page.entries.filter((entry) => entry.deleteMarker).map(item),
    CommonPrefixes: page.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
};

const listMultipartUploads: S3Handler = async (request) => {
  const encode = encoderOf(request);
  const keyMarker = parameter(request, 'key-marker');
  const uploadIdMarker = parameter(request, 'upload-id-marker');
  const maxUploads = maxKeysOf(
    request,
    'max-uploads',
    'Argument max-uploads must be an integer between 0 and 2147483647',
  );
  const listing = { ...listRequest(request, keyMarker, maxUploads), uploadIdMarker };
  const page = await pageOf(
    request,
    maxUploads,
    { uploads: [], commonPrefixes: [], truncated: false },
    () => request.ports.buckets.listUploads(request.bucket, listing),
  );
  const last = page.uploads[page.uploads.length - 1];
  // A page may end on a common prefix: the next one starts after it (without an upload ID).
  const nextKey = lastItem({ entries: page.uploads, commonPrefixes: page.commonPrefixes });
  sendXml(request.context.res, 'ListMultipartUploadsResult', {
    Bucket: request.bucket,
    KeyMarker: encode(keyMarker),
    UploadIdMarker: uploadIdMarker,
    ...(page.truncated
      ? {
          NextKeyMarker: encode(nextKey),
          ...(last !== undefined && nextKey === last.key
            ? { NextUploadIdMarker: last.uploadId }
            : {}),
        }
      : {}),
    Prefix: encode(listing.prefix),
    ...(listing.delimiter === '' ? {} : { Delimiter: encode(listing.delimiter) }),
    MaxUploads: maxUploads,
    IsTruncated: page.truncated,
    Upload: page.uploads.map((upload) => ({
      Key: encode(upload.key),
      UploadId: upload.uploadId,
      Initiator: clusterOwner,
      Owner: clusterOwner,
      StorageClass: 'STANDARD',
      Initiated: xmlTime(upload.initiatedMs),
    })),
    CommonPrefixes: page.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
};

export const listHandlers = {
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  ListObjectVersions: listObjectVersions,
  ListMultipartUploads: listMultipartUploads,
} satisfies Partial<Record<S3Operation, S3Handler>>;
