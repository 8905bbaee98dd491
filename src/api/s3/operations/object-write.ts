// Writing objects: PutObject, CopyObject (metadata and tagging directives, any source bucket),
// DeleteObject, and the tag set (put, delete).
import { withWriteAcl } from '../access/index.js';
import { StoreError } from '../../../errors/index.js';
import { copiedPayload, openPutPayload } from '../body/object-payload.js';
import { checkCopySourceConditions } from '../conditions.js';
import {
  attributesFromHeaders,
  quoteEtag,
  setExpirationHeader,
  tagsFromDocument,
} from '../object-headers.js';
import type { S3Operation } from '../operation.js';
import type { S3ObjectInfo } from '../ports.js';
import {
  checkedVersionId,
  header,
  versionIdOf,
  type S3Handler,
  type S3Request,
} from '../request.js';
import { sendXml, xmlTime } from '../xml/xml-codec.js';
import { readXmlDocument, sendEmpty } from './xml-body.js';
import { parseWriteCondition } from '../write-conditions.js';
import { bypassesGovernance, parseLockHeaders } from '../object-lock.js';
import { destroyQuietly } from '../../../util/stream-teardown.js';
import {
  copySourceCustomerKeyOf,
  encryptionRequestOf,
  setEncryptionHeaders,
} from '../sse-headers.js';

/** Response headers of a write: version and the checksums that were computed. */
export function setWriteHeaders(
  request: S3Request,
  info: Pick<S3ObjectInfo, 'versionId' | 'checksums' | 'expiration' | 'encryption'>,
): void {
  const { res } = request.context;
  if (info.versionId !== undefined) res.setHeader('x-amz-version-id', info.versionId);
  setExpirationHeader(res, info);
  setEncryptionHeaders(res, info.encryption);
  for (const [algorithm, value] of Object.entries(info.checksums)) {
    res.setHeader(`x-amz-checksum-${algorithm}`, value);
  }
}

const putObject: S3Handler = async (request) => {
  const attributes = withWriteAcl(request, attributesFromHeaders(request.context.req.headers));
  const condition = parseWriteCondition(request.context.req.headers);
  const lock = parseLockHeaders(request.context.req.headers, request.clock.nowMs());
  const encryption = encryptionRequestOf(request.context.req.headers, request.settings);
  const payload = openPutPayload(request.context, request.auth);
  const info = await request.ports.objects.put({
    bucket: request.bucket,
    key: request.key,
    ...attributes,
    ...payload,
    condition,
    lock,
    encryption,
  });
  request.context.res.setHeader('etag', quoteEtag(info.etag));
  setWriteHeaders(request, info);
  sendEmpty(request, 200);
};

export interface CopySource {
  bucket: string;
  key: string;
  versionId: string | undefined;
}

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=v]`, URL-encoded. */
export function parseCopySource(request: S3Request): CopySource {
  const raw = header(request, 'x-amz-copy-source') ?? '';
  const [pathPart = '', queryPart = ''] = raw.split('?');
  let path: string;
  try {
    path = decodeURIComponent(pathPart);
  } catch {
    throw new StoreError(
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    );
  }
  if (path.startsWith('/')) path = path.slice(1);
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new StoreError(
      'InvalidArgument',
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    );
  }
  const versionId = new URLSearchParams(queryPart).get('versionId');
  return {
    bucket: path.slice(0, slash),
    key: path.slice(slash + 1),
    versionId:
      versionId === null || versionId === ''
        ? undefined
        : checkedVersionId(versionId, 'x-amz-copy-source'),
  };
}

function directive(request: S3Request, name: string): 'COPY' | 'REPLACE' {
  const value = (header(request, name) ?? 'COPY').toUpperCase();
  if (value !== 'COPY' && value !== 'REPLACE') {
    throw new StoreError('InvalidArgument', `Unknown ${name} value "${value}"`);
  }
  return value;
}

const copyObject: S3Handler = async (request) => {
  const source = parseCopySource(request);
  const metadataDirective = directive(request, 'x-amz-metadata-directive');
  const taggingDirective = directive(request, 'x-amz-tagging-directive');
  const condition = parseWriteCondition(request.context.req.headers);
  // A copy's lock is what the request asks for (or the bucket's default), never the source's.
  const lock = parseLockHeaders(request.context.req.headers, request.clock.nowMs());
  const encryption = encryptionRequestOf(request.context.req.headers, request.settings);
  const sourceKey = copySourceCustomerKeyOf(request.context.req.headers);
  if (
    source.bucket === request.bucket &&
    source.key === request.key &&
    source.versionId === undefined &&
    metadataDirective === 'COPY' &&
    encryption === undefined
  ) {
    throw new StoreError(
      'BadRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const opened = await request.ports.objects.openSource(
    source.bucket,
    source.key,
    source.versionId,
    undefined,
    sourceKey,
  );
  let info: S3ObjectInfo;
  try {
    checkCopySourceConditions(request.context.req.headers, opened.info);
    const given = attributesFromHeaders(request.context.req.headers);
    const payload = copiedPayload(
      opened.body,
      opened.info.size,
      Object.keys(opened.info.checksums),
    );
    // The copy's ACL comes from this request (S3 does not copy the source's).
    info = await request.ports.objects.put({
      bucket: request.bucket,
      key: request.key,
      userMetadata: withWriteAcl(request, {
        userMetadata:
          metadataDirective === 'REPLACE' ? given.userMetadata : opened.info.userMetadata,
      }).userMetadata,
      contentHeaders:
        metadataDirective === 'REPLACE' ? given.contentHeaders : opened.info.contentHeaders,
      tags: taggingDirective === 'REPLACE' ? given.tags : opened.info.tags,
      ...payload,
      condition,
      lock,
      encryption,
    });
  } finally {
    destroyQuietly(opened.body);
  }
  if (opened.info.versionId !== undefined) {
    request.context.res.setHeader('x-amz-copy-source-version-id', opened.info.versionId);
  }
  setWriteHeaders(request, info);
  sendXml(request.context.res, 'CopyObjectResult', {
    ETag: quoteEtag(info.etag),
    LastModified: xmlTime(info.modifiedTimeMs),
  });
};

const deleteObject: S3Handler = async (request) => {
  const { res } = request.context;
  try {
    const outcome = await request.ports.objects.delete(
      request.bucket,
      request.key,
      versionIdOf(request),
      bypassesGovernance(request.context.req.headers),
    );
    if (outcome.versionId !== undefined) res.setHeader('x-amz-version-id', outcome.versionId);
    if (outcome.deleteMarker) res.setHeader('x-amz-delete-marker', 'true');
  } catch (error) {
    // Deleting a key that does not exist succeeds in S3.
    if (!(error instanceof StoreError && error.code === 'ObjectNotFound')) throw error;
  }
  sendEmpty(request, 204);
};

const putObjectTagging: S3Handler = async (request) => {
  const tags = tagsFromDocument(await readXmlDocument(request, 'Tagging'));
  const info = await request.ports.objects.setTags(
    request.bucket,
    request.key,
    versionIdOf(request),
    tags,
  );
  if (info.versionId !== undefined)
    request.context.res.setHeader('x-amz-version-id', info.versionId);
  sendEmpty(request, 200);
};

const deleteObjectTagging: S3Handler = async (request) => {
  const info = await request.ports.objects.setTags(
    request.bucket,
    request.key,
    versionIdOf(request),
    {},
  );
  if (info.versionId !== undefined)
    request.context.res.setHeader('x-amz-version-id', info.versionId);
  sendEmpty(request, 204);
};

export const objectWriteHandlers = {
  PutObject: putObject,
  CopyObject: copyObject,
  DeleteObject: deleteObject,
  PutObjectTagging: putObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
} satisfies Partial<Record<S3Operation, S3Handler>>;
