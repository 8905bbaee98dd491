// Multipart uploads: Create, UploadPart, UploadPartCopy, Complete (parts in ascending order, S3's
// ETag rules), Abort and ListParts. Parts live as chunks on the target that stores the key.
import { withWriteAcl } from '../access/index.js';
import { StoreError } from '../../../errors/index.js';
import { resolveRange } from '../../common/range.js';
import { copiedPayload, openObjectPayload } from '../body/object-payload.js';
import { checksumAlgorithms, checksumTypeOfValue } from '../body/checksum-algorithms.js';
import { parseUploadChecksum } from '../body/multipart-checksums.js';
import { checkCopySourceConditions } from '../conditions.js';
import { attributesFromHeaders, quoteEtag } from '../object-headers.js';
import type { S3Operation } from '../operation.js';
import type { S3ObjectInfo, S3PartInfo } from '../ports.js';
import { header, type S3Handler, type S3Request } from '../request.js';
import { childRecords, childText, sendXml, xmlTime } from '../xml/xml-codec.js';
import { parseCopySource, setWriteHeaders } from './object-write.js';
import { maxPartNumber, parsePartNumber } from './part-number.js';
import { readXmlDocument, sendEmpty } from './xml-body.js';
import { parseWriteCondition } from '../write-conditions.js';
import { parseLockHeaders } from '../object-lock.js';
import { destroyQuietly } from '../../../util/stream-teardown.js';
import {
  copySourceCustomerKeyOf,
  customerKeyOf,
  encryptionRequestOf,
  setEncryptionHeaders,
} from '../sse-headers.js';

function uploadIdOf(request: S3Request): string {
  const uploadId = request.context.query.get('uploadId') ?? '';
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(uploadId)) {
    throw new StoreError(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    );
  }
  return uploadId;
}

function partNumberOf(request: S3Request): number {
  return parsePartNumber(request.context.query.get('partNumber') ?? '');
}

const createMultipartUpload: S3Handler = async (request) => {
  const attributes = withWriteAcl(request, attributesFromHeaders(request.context.req.headers));
  const lock = parseLockHeaders(request.context.req.headers, request.clock.nowMs());
  const checksum = parseUploadChecksum(
    header(request, 'x-amz-checksum-algorithm'),
    header(request, 'x-amz-checksum-type'),
  );
  const { uploadId, encryption } = await request.ports.objects.createUpload(
    request.bucket,
    request.key,
    attributes,
    lock,
    checksum,
    encryptionRequestOf(request.context.req.headers, request.settings),
  );
  setEncryptionHeaders(request.context.res, encryption);
  if (checksum !== undefined) {
    request.context.res.setHeader('x-amz-checksum-algorithm', checksum.algorithm.toUpperCase());
    request.context.res.setHeader('x-amz-checksum-type', checksum.type);
  }
  sendXml(request.context.res, 'InitiateMultipartUploadResult', {
    Bucket: request.bucket,
    Key: request.key,
    UploadId: uploadId,
  });
};

const uploadPart: S3Handler = async (request) => {
  const uploadId = uploadIdOf(request);
  const partNumber = partNumberOf(request);
  const payload = openObjectPayload(request.context, request.auth);
  const part = await request.ports.objects.uploadPart({
    bucket: request.bucket,
    key: request.key,
    uploadId,
    partNumber,
    ...payload,
    customerKey: customerKeyOf(request.context.req.headers),
  });
  request.context.res.setHeader('etag', quoteEtag(part.etag));
  setWriteHeaders(request, part);
  sendEmpty(request, 200);
};

/**
 * S3 takes `x-amz-copy-source-range` only as `bytes=first-last` inside the source (a GET's Range
 * would be cut to the object's end instead).
 */
function checkCopySourceRange(rangeHeader: string, size: number): void {
  const match = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader);
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (match === null || first > last || last >= size)
    throw new StoreError(
      'InvalidArgument',
      `Range specified is not valid for source object of size: ${size}`,
    );
}

const uploadPartCopy: S3Handler = async (request) => {
  const uploadId = uploadIdOf(request);
  const partNumber = partNumberOf(request);
  const source = parseCopySource(request);
  const rangeHeader = header(request, 'x-amz-copy-source-range');
  const opened = await request.ports.objects.openSource(
    source.bucket,
    source.key,
    source.versionId,
    rangeHeader,
    copySourceCustomerKeyOf(request.context.req.headers),
  );
  let part: S3PartInfo & Pick<S3ObjectInfo, 'encryption'>;
  try {
    checkCopySourceConditions(request.context.req.headers, opened.info);
    if (rangeHeader !== undefined) checkCopySourceRange(rangeHeader, opened.info.size);
    if (rangeHeader !== undefined && opened.range === undefined)
      resolveRange(rangeHeader, opened.info.size);
    const length =
      opened.range === undefined ? opened.info.size : opened.range.end - opened.range.start + 1;
    part = await request.ports.objects.uploadPart({
      bucket: request.bucket,
      key: request.key,
      uploadId,
      partNumber,
      ...copiedPayload(opened.body, length, []),
      customerKey: customerKeyOf(request.context.req.headers),
    });
  } finally {
    destroyQuietly(opened.body);
  }
  if (opened.info.versionId !== undefined) {
    request.context.res.setHeader('x-amz-copy-source-version-id', opened.info.versionId);
  }
  setEncryptionHeaders(request.context.res, part.encryption);
  sendXml(request.context.res, 'CopyPartResult', {
    ETag: quoteEtag(part.etag),
    LastModified: xmlTime(part.modifiedTimeMs),
  });
};

const completeMultipartUpload: S3Handler = async (request) => {
  const uploadId = uploadIdOf(request);
  const condition = parseWriteCondition(request.context.req.headers);
  // Its x-amz-checksum-* headers are the completed object's, not this document's.
  const document = await readXmlDocument(request, 'CompleteMultipartUpload', 'object');
  const parts = childRecords(document, 'Part').map((part) => {
    const number = Number(childText(part, 'PartNumber'));
    const etag = (childText(part, 'ETag') ?? '').replace(/"/g, '').trim();
    if (!Number.isInteger(number) || number < 1 || number > maxPartNumber || etag === '') {
      throw new StoreError('MalformedXML', 'each Part needs a PartNumber (1-10000) and an ETag');
    }
    const checksums: Record<string, string> = {};
    for (const algorithm of checksumAlgorithms) {
      const value = childText(part, `Checksum${algorithm.toUpperCase()}`);
      if (value !== undefined) checksums[algorithm] = value;
    }
    return { partNumber: number, etag, checksums };
  });
  if (parts.length === 0) {
    throw new StoreError('MalformedXML', 'You must specify at least one part');
  }
  for (let index = 1; index < parts.length; index += 1) {
    if ((parts[index]?.partNumber ?? 0) <= (parts[index - 1]?.partNumber ?? 0)) {
      throw new StoreError(
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
      );
    }
  }
  const expected: Record<string, string> = {};
  for (const algorithm of checksumAlgorithms) {
    const value = header(request, `x-amz-checksum-${algorithm}`);
    if (value !== undefined) expected[algorithm] = value;
  }
  const info = await request.ports.objects.completeUpload(
    request.bucket,
    request.key,
    uploadId,
    parts,
    condition,
    expected,
  );
  // The checksums go in the document, not in headers.
  setWriteHeaders(request, { ...info, checksums: {} });
  const checksumElements = Object.fromEntries(
    Object.entries(info.checksums).map(([algorithm, value]) => [
      `Checksum${algorithm.toUpperCase()}`,
      value,
    ]),
  );
  const [firstChecksum] = Object.values(info.checksums);
  sendXml(request.context.res, 'CompleteMultipartUploadResult', {
    Location: `/${request.bucket}/${request.key}`,
    Bucket: request.bucket,
    Key: request.key,
    ETag: quoteEtag(info.etag),
    ...checksumElements,
    ...(firstChecksum === undefined ? {} : { ChecksumType: checksumTypeOfValue(firstChecksum) }),
  });
};

const abortMultipartUpload: S3Handler = async (request) => {
  await request.ports.objects.abortUpload(request.bucket, request.key, uploadIdOf(request));
  sendEmpty(request, 204);
};

/** A ListParts paging parameter: S3 takes 0 to 2^31-1 and refuses anything else (not ignores). */
function pagingParameter(request: S3Request, name: string): number | undefined {
  const text = request.context.query.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 2_147_483_647) {
    throw new StoreError(
      'InvalidArgument',
      `Argument ${name} must be an integer between 0 and 2147483647`,
    );
  }
  return value;
}

const listParts: S3Handler = async (request) => {
  const uploadId = uploadIdOf(request);
  const marker = pagingParameter(request, 'part-number-marker') ?? 0;
  const maxParts = Math.min(pagingParameter(request, 'max-parts') ?? 1000, 1000);
  const all = await request.ports.objects.listParts(request.bucket, request.key, uploadId);
  const after = all.filter((part) => part.partNumber > marker);
  const parts = after.slice(0, maxParts);
  const truncated = after.length > parts.length;
  sendXml(request.context.res, 'ListPartsResult', {
    Bucket: request.bucket,
    Key: request.key,
    UploadId: uploadId,
    PartNumberMarker: marker,
    ...(truncated ? { NextPartNumberMarker: parts[parts.length - 1]?.partNumber } : {}),
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: parts.map((part) => ({
      PartNumber: part.partNumber,
      LastModified: xmlTime(part.modifiedTimeMs),
      ETag: quoteEtag(part.etag),
      Size: part.size,
      ...Object.fromEntries(
        Object.entries(part.checksums).map(([algorithm, value]) => [
          `Checksum${algorithm.toUpperCase()}`,
          value,
        ]),
      ),
    })),
  });
};

export const multipartHandlers = {
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
} satisfies Partial<Record<S3Operation, S3Handler>>;
