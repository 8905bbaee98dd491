// Reading objects: GetObject (ranges, conditions, `response-*` overrides), HeadObject (ranges
// too) and the tag set (the object ACL: ../access).
import type { ServerResponse } from 'node:http';
import type { RequestContext } from '../../common/request-context.js';
import { StoreError } from '../../../errors/index.js';
import { rangeS3Reads, resolveRange } from '../../common/range.js';
import { checkReadConditions } from '../conditions.js';
import { forwardedRouting, isForwarded } from '../forwarding.js';
import { quoteEtag, setObjectHeaders } from '../object-headers.js';
import type { S3Operation } from '../operation.js';
import type { S3ObjectInfo } from '../ports.js';
import { header, versionIdOf, type S3Handler, type S3Request } from '../request.js';
import { sendXml } from '../xml/xml-codec.js';
import { customerKeyOf } from '../sse-headers.js';
import { parsePartNumber } from './part-number.js';

/** `response-<name>` query parameters override these response headers of a GET. */
const overridableHeaders = [
  'content-type',
  'content-language',
  'expires',
  'cache-control',
  'content-disposition',
  'content-encoding',
];

/**
 * S3 honours `response-*` overrides only for signed requests (a header or a presigned URL): an
 * anonymous GET or HEAD with one is 400, even where a policy lets anyone read the object.
 */
export function refuseAnonymousOverrides(context: RequestContext, operation: S3Operation): void {
  if (context.search === '' || (operation !== 'GetObject' && operation !== 'HeadObject')) return;
  if (overridableHeaders.some((name) => context.query.has(`response-${name}`))) {
    throw new StoreError(
      'BadRequest',
      'Request specific response headers cannot be used for anonymous GET requests.',
    );
  }
}

/** Writes the object's headers; whole-object checksums never go with a part of the object. */
function writeHeaders(request: S3Request, info: S3ObjectInfo, partial: boolean): void {
  const res: ServerResponse = request.context.res;
  setObjectHeaders(res, info, {
    checksums:
      !partial &&
      (header(request, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' ||
        isForwarded(request.context)),
    allTags: isForwarded(request.context),
  });
  if (request.context.search === '') return;
  for (const name of overridableHeaders) {
    const value = request.context.query.get(`response-${name}`);
    if (value !== null) res.setHeader(name, value);
  }
}

function refuseDeleteMarker(request: S3Request, info: S3ObjectInfo): void {
  if (info.deleteMarker !== true) return;
  request.context.res.setHeader('x-amz-delete-marker', 'true');
  if (info.versionId !== undefined)
    request.context.res.setHeader('x-amz-version-id', info.versionId);
  // S3: GET of a delete marker by version ID is 405; as the latest version, the key is absent.
  if (versionIdOf(request) !== undefined) {
    throw new StoreError(
      'MethodNotAllowed',
      'The specified method is not allowed against this resource.',
    );
  }
  throw new StoreError('ObjectNotFound', 'The specified key does not exist.');
}

/** The GET/HEAD conditions; a 304 still names the ETag it matched (RFC 9110, as S3 does). */
function checkConditions(request: S3Request, info: S3ObjectInfo): void {
  try {
    checkReadConditions(request.context.req.headers, info);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'NotModified') {
      request.context.res.setHeader('etag', quoteEtag(info.etag));
      request.context.res.setHeader('last-modified', new Date(info.modifiedTimeMs).toUTCString());
    }
    throw error;
  }
}

/** `partNumber` of a GET or HEAD (1–10000; not with a Range), or undefined. */
function partNumberOf(request: S3Request): number | undefined {
  if (request.context.search === '') return undefined;
  const text = request.context.query.get('partNumber');
  if (text === null) return undefined;
  const number = parsePartNumber(text);
  if (header(request, 'range') !== undefined) {
    throw new StoreError(
      'BadRequest',
      'Cannot specify both Range header and partNumber query parameter',
    );
  }
  return number;
}

/** Where part `number` lies in the object, and how many parts it has (a single-part object: 1). */
async function locatePart(
  request: S3Request,
  number: number,
): Promise<{ etag: string; start: number; end: number; count: number }> {
  const { info, parts } = await request.ports.objects.objectParts(
    request.bucket,
    request.key,
    versionIdOf(request),
  );
  refuseDeleteMarker(request, info);
  const unsatisfiable = new StoreError(
    'InvalidPartNumber',
    'The requested partnumber is not satisfiable',
  );
  if (parts === undefined) {
    if (number !== 1) throw unsatisfiable;
    return { etag: info.etag, start: 0, end: info.size - 1, count: 1 };
  }
  let start = 0;
  for (const part of parts) {
    if (part.partNumber === number)
      return { etag: info.etag, start, end: start + part.size - 1, count: parts.length };
    start += part.size;
  }
  throw unsatisfiable;
}

/** A part read must come from the object whose parts were looked up (else it was replaced). */
function checkSameObject(part: { etag: string } | undefined, info: S3ObjectInfo): void {
  if (part !== undefined && part.etag !== info.etag) {
    throw new StoreError(
      'ConditionalRequestConflict',
      'The object was replaced while its part was read; retry',
    );
  }
}

const getObject: S3Handler = async (request) => {
  const partNumber = partNumberOf(request);
  const part = partNumber === undefined ? undefined : await locatePart(request, partNumber);
  const rangeHeader =
    part === undefined || part.end < part.start
      ? rangeS3Reads(header(request, 'range'))
      : `bytes=${part.start}-${part.end}`;
  const { info, body, range } = await request.ports.objects.get(
    request.bucket,
    request.key,
    versionIdOf(request),
    rangeHeader,
    forwardedRouting(request.context),
    customerKeyOf(request.context.req.headers),
  );
  const { res } = request.context;
  try {
    refuseDeleteMarker(request, info);
    checkSameObject(part, info);
    checkConditions(request, info);
  } catch (error) {
    await body.discard();
    throw error;
  }
  writeHeaders(request, info, range !== undefined);
  if (part !== undefined) res.setHeader('x-amz-mp-parts-count', String(part.count));
  if (range === undefined) {
    res.statusCode = 200;
    res.setHeader('content-length', info.size);
  } else {
    res.statusCode = 206;
    res.setHeader('content-length', range.end - range.start + 1);
    res.setHeader('content-range', `bytes ${range.start}-${range.end}/${info.size}`);
  }
  // A failure while sending (bitrot found in a later chunk) destroys the response: the client sees
  // a short body, never a complete success.
  await body.sendTo(res);
  res.end();
};

const headObject: S3Handler = async (request) => {
  const partNumber = partNumberOf(request);
  const part = partNumber === undefined ? undefined : await locatePart(request, partNumber);
  const info = await request.ports.objects.head(
    request.bucket,
    request.key,
    versionIdOf(request),
    forwardedRouting(request.context),
    { customerKey: customerKeyOf(request.context.req.headers) },
  );
  refuseDeleteMarker(request, info);
  checkSameObject(part, info);
  checkConditions(request, info);
  const { res } = request.context;
  // S3 answers a HEAD's Range as the GET's would: 206 with its length, 416 when unsatisfiable.
  const range =
    part === undefined
      ? resolveRange(rangeS3Reads(header(request, 'range')), info.size)
      : part.end < part.start
        ? undefined
        : part;
  if (range === undefined) {
    writeHeaders(request, info, false);
    res.setHeader('content-length', info.size);
  } else {
    writeHeaders(request, info, true);
    res.statusCode = 206;
    if (part !== undefined) res.setHeader('x-amz-mp-parts-count', String(part.count));
    res.setHeader('content-length', range.end - range.start + 1);
    res.setHeader('content-range', `bytes ${range.start}-${range.end}/${info.size}`);
  }
  res.end();
};

/** The tag set document, for GetObjectTagging. */
export function sendTagging(request: S3Request, tags: Record<string, string>): void {
  sendXml(request.context.res, 'Tagging', {
    TagSet:
      Object.keys(tags).length === 0
        ? ''
        : { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
  });
}

const getObjectTagging: S3Handler = async (request) => {
  const info = await request.ports.objects.head(request.bucket, request.key, versionIdOf(request));
  refuseDeleteMarker(request, info);
  if (info.versionId !== undefined)
    request.context.res.setHeader('x-amz-version-id', info.versionId);
  sendTagging(request, info.tags);
};

export const objectReadHandlers = {
  GetObject: getObject,
  HeadObject: headObject,
  GetObjectTagging: getObjectTagging,
} satisfies Partial<Record<S3Operation, S3Handler>>;
