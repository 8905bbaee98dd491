// GetObjectAttributes: what `x-amz-object-attributes` names (ETag, Checksum, ObjectParts,
// StorageClass, ObjectSize) of an object or version, in one document, without its bytes. Parts are
// paged with `x-amz-max-parts` and `x-amz-part-number-marker` as ListParts pages them.
import { checksumTypeOfValue } from '../body/checksum-algorithms.js';
import { StoreError } from '../../../errors/index.js';
import type { S3Operation } from '../operation.js';
import type { S3ObjectInfo, S3PartInfo } from '../ports.js';
import { header, versionIdOf, type S3Handler, type S3Request } from '../request.js';
import { sendXml } from '../xml/xml-codec.js';

const attributeNames = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
type AttributeName = (typeof attributeNames)[number];

/** S3's default and largest page of parts. */
const maxPartsPerPage = 1000;

function requestedAttributes(request: S3Request): Set<AttributeName> {
  const names = (header(request, 'x-amz-object-attributes') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) {
    throw new StoreError(
      'InvalidArgument',
      'x-amz-object-attributes header specifying the attributes to be retrieved is required',
    );
  }
  for (const name of names) {
    if (!(attributeNames as readonly string[]).includes(name))
      throw new StoreError('InvalidArgument', `Invalid attribute name specified: ${name}`);
  }
  return new Set(names as AttributeName[]);
}

function counter(request: S3Request, name: string, fallback: number, max: number): number {
  const text = header(request, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value > max)
    throw new StoreError('InvalidArgument', `${name} must be an integer between 0 and ${max}`);
  return value;
}

/** `ChecksumCRC32` ... elements of a checksum set. */
function checksumElements(checksums: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(checksums).map(([algorithm, value]) => [
      `Checksum${algorithm.toUpperCase()}`,
      value,
    ]),
  );
}

function objectPartsXml(request: S3Request, parts: S3PartInfo[]): Record<string, unknown> {
  const maxParts = counter(request, 'x-amz-max-parts', maxPartsPerPage, maxPartsPerPage);
  const marker = counter(request, 'x-amz-part-number-marker', 0, 10_000);
  const after = parts.filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  return {
    // The SDKs' TotalPartsCount travels as PartsCount.
    PartsCount: parts.length,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: page.map((part) => ({
      PartNumber: part.partNumber,
      Size: part.size,
      ...checksumElements(part.checksums),
    })),
  };
}

function attributesXml(
  request: S3Request,
  wanted: Set<AttributeName>,
  info: S3ObjectInfo,
  parts: S3PartInfo[] | undefined,
): Record<string, unknown> {
  const document: Record<string, unknown> = {};
  if (wanted.has('ETag')) document.ETag = info.etag;
  const [firstChecksum] = Object.values(info.checksums);
  if (wanted.has('Checksum') && firstChecksum !== undefined) {
    document.Checksum = {
      ...checksumElements(info.checksums),
      ChecksumType: checksumTypeOfValue(firstChecksum),
    };
  }
  if (wanted.has('ObjectParts') && parts !== undefined)
    document.ObjectParts = objectPartsXml(request, parts);
  if (wanted.has('StorageClass')) document.StorageClass = 'STANDARD';
  if (wanted.has('ObjectSize')) document.ObjectSize = info.size;
  return document;
}

const getObjectAttributes: S3Handler = async (request) => {
  const wanted = requestedAttributes(request);
  const versionId = versionIdOf(request);
  const { info, parts } = await request.ports.objects.objectParts(
    request.bucket,
    request.key,
    versionId,
  );
  const { res } = request.context;
  if (info.versionId !== undefined) res.setHeader('x-amz-version-id', info.versionId);
  if (info.deleteMarker === true) {
    res.setHeader('x-amz-delete-marker', 'true');
    if (versionId !== undefined) {
      throw new StoreError(
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      );
    }
    throw new StoreError('ObjectNotFound', 'The specified key does not exist.');
  }
  res.setHeader('last-modified', new Date(info.modifiedTimeMs).toUTCString());
  sendXml(res, 'GetObjectAttributesResponse', attributesXml(request, wanted, info, parts));
};

export const objectAttributeHandlers = {
  GetObjectAttributes: getObjectAttributes,
} satisfies Partial<Record<S3Operation, S3Handler>>;
