// Operation detection: which S3 operation a request is, from its method, bucket, key, query
// sub-resources and headers. Sub-resources Cairn does not serve yet are named in a 501.
import { StoreError } from '../../errors/index.js';
import type { RequestContext } from '../common/request-context.js';
import type { S3Address } from './addressing.js';

export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'HeadBucket'
  | 'GetBucketLocation'
  | 'GetBucketVersioning'
  | 'PutBucketVersioning'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListObjectVersions'
  | 'ListMultipartUploads'
  | 'DeleteObjects'
  | 'GetBucketAcl'
  | 'PutBucketAcl'
  | 'PutObjectAcl'
  | 'GetBucketPolicy'
  | 'PutBucketPolicy'
  | 'DeleteBucketPolicy'
  | 'GetBucketPolicyStatus'
  | 'GetBucketOwnershipControls'
  | 'PutBucketOwnershipControls'
  | 'DeleteBucketOwnershipControls'
  | 'GetPublicAccessBlock'
  | 'PutPublicAccessBlock'
  | 'DeletePublicAccessBlock'
  | 'GetBucketCors'
  | 'PutBucketCors'
  | 'DeleteBucketCors'
  | 'PreflightCors'
  | 'PutObject'
  | 'PostObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'GetObjectTagging'
  | 'PutObjectTagging'
  | 'DeleteObjectTagging'
  | 'GetObjectAcl'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'GetObjectLockConfiguration'
  | 'PutObjectLockConfiguration'
  | 'GetObjectRetention'
  | 'PutObjectRetention'
  | 'GetObjectLegalHold'
  | 'PutObjectLegalHold'
  | 'GetBucketLifecycleConfiguration'
  | 'PutBucketLifecycleConfiguration'
  | 'DeleteBucketLifecycle'
  | 'GetBucketEncryption'
  | 'PutBucketEncryption'
  | 'DeleteBucketEncryption'
  | 'GetObjectAttributes'
  | 'GetBucketTagging'
  | 'PutBucketTagging'
  | 'DeleteBucketTagging';

/** Operations on one object: served by the node that stores the key. */
export const objectOperations: ReadonlySet<S3Operation> = new Set<S3Operation>([
  'PutObject',
  'CopyObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetObjectAcl',
  'PutObjectAcl',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'GetObjectRetention',
  'PutObjectRetention',
  'GetObjectLegalHold',
  'PutObjectLegalHold',
  'GetObjectAttributes',
]);

/** Sub-resources S3 defines that Cairn does not implement yet. */
const unimplementedSubresources: ReadonlySet<string> = new Set([
  'website',
  'logging',
  'notification',
  'replication',
  'accelerate',
  'requestPayment',
  'analytics',
  'metrics',
  'inventory',
  'intelligent-tiering',
  'restore',
  'select',
  'session',
]);

function unimplemented(what: string): StoreError {
  return new StoreError('NotImplemented', `S3 ${what} is not implemented yet`);
}

/**
 * `list-type`: absent is ListObjects (V1), 2 is ListObjectsV2 (leading zeros read as decimal, as
 * for S3's other integer parameters); S3 refuses any other value rather than serve V1.
 */
function listOperation(listType: string | null): S3Operation {
  if (listType === null) return 'ListObjects';
  if (/^0*2$/.test(listType)) return 'ListObjectsV2';
  throw new StoreError(
    'InvalidArgument',
    `Invalid list-type "${listType}": 2 for ListObjectsV2, or no list-type for ListObjects`,
  );
}

function methodNotAllowed(context: RequestContext, what: string): StoreError {
  return new StoreError(
    'MethodNotAllowed',
    `The specified method (${context.method}) is not allowed against this resource (${what}).`,
  );
}

export function detectOperation(context: RequestContext, address: S3Address): S3Operation {
  // Most requests have no query at all (or only a presigned URL's): one pass over what is there.
  if (context.search !== '') {
    for (const name of context.query.keys()) {
      if (name === 'torrent') {
        throw new StoreError(
          'NotImplemented',
          'S3 GetObjectTorrent ("?torrent") is not implemented: Cairn does not serve objects over BitTorrent',
        );
      }
      if (unimplementedSubresources.has(name))
        throw unimplemented(`"?${name}" (${context.method})`);
    }
  }
  if (address.bucket === undefined) {
    if (context.method === 'GET') return 'ListBuckets';
    throw methodNotAllowed(context, 'service');
  }
  return address.key === undefined ? bucketOperation(context) : objectOperation(context);
}

function bucketOperation(context: RequestContext): S3Operation {
  const query = context.query;
  switch (context.method) {
    case 'GET':
      if (query.has('location')) return 'GetBucketLocation';
      if (query.has('versioning')) return 'GetBucketVersioning';
      if (query.has('versions')) return 'ListObjectVersions';
      if (query.has('uploads')) return 'ListMultipartUploads';
      if (query.has('acl')) return 'GetBucketAcl';
      if (query.has('policy')) return 'GetBucketPolicy';
      if (query.has('policyStatus')) return 'GetBucketPolicyStatus';
      if (query.has('ownershipControls')) return 'GetBucketOwnershipControls';
      if (query.has('publicAccessBlock')) return 'GetPublicAccessBlock';
      if (query.has('cors')) return 'GetBucketCors';
      if (query.has('object-lock')) return 'GetObjectLockConfiguration';
      if (query.has('lifecycle')) return 'GetBucketLifecycleConfiguration';
      if (query.has('encryption')) return 'GetBucketEncryption';
      if (query.has('tagging')) return 'GetBucketTagging';
      return listOperation(query.get('list-type'));
    case 'HEAD':
      return 'HeadBucket';
    case 'PUT':
      if (query.has('versioning')) return 'PutBucketVersioning';
      if (query.has('object-lock')) return 'PutObjectLockConfiguration';
      if (query.has('lifecycle')) return 'PutBucketLifecycleConfiguration';
      if (query.has('encryption')) return 'PutBucketEncryption';
      if (query.has('acl')) return 'PutBucketAcl';
      if (query.has('policy')) return 'PutBucketPolicy';
      if (query.has('ownershipControls')) return 'PutBucketOwnershipControls';
      if (query.has('publicAccessBlock')) return 'PutPublicAccessBlock';
      if (query.has('cors')) return 'PutBucketCors';
      if (query.has('tagging')) return 'PutBucketTagging';
      return 'CreateBucket';
    case 'DELETE':
      if (query.has('lifecycle')) return 'DeleteBucketLifecycle';
      if (query.has('encryption')) return 'DeleteBucketEncryption';
      if (query.has('tagging')) return 'DeleteBucketTagging';
      if (query.has('policy')) return 'DeleteBucketPolicy';
      if (query.has('ownershipControls')) return 'DeleteBucketOwnershipControls';
      if (query.has('publicAccessBlock')) return 'DeletePublicAccessBlock';
      if (query.has('cors')) return 'DeleteBucketCors';
      return 'DeleteBucket';
    case 'OPTIONS':
      return 'PreflightCors';
    case 'POST':
      if (query.has('delete')) return 'DeleteObjects';
      // A browser form upload (its fields say everything; it has no sub-resource).
      if (context.search === '') return 'PostObject';
      throw methodNotAllowed(context, 'bucket');
    default:
      throw methodNotAllowed(context, 'bucket');
  }
}

function objectOperation(context: RequestContext): S3Operation {
  const copySource = context.req.headers['x-amz-copy-source'] !== undefined;
  if (context.search === '') {
    // No sub-resource: the method alone decides.
    if (context.method === 'GET') return 'GetObject';
    if (context.method === 'HEAD') return 'HeadObject';
    if (context.method === 'PUT') return copySource ? 'CopyObject' : 'PutObject';
    if (context.method === 'DELETE') return 'DeleteObject';
    // A preflight for an object: answered from the bucket's rules, by the gateway.
    if (context.method === 'OPTIONS') return 'PreflightCors';
  }
  const query = context.query;
  switch (context.method) {
    case 'OPTIONS':
      return 'PreflightCors';
    case 'GET':
      if (query.has('uploadId')) return 'ListParts';
      if (query.has('tagging')) return 'GetObjectTagging';
      if (query.has('acl')) return 'GetObjectAcl';
      if (query.has('retention')) return 'GetObjectRetention';
      if (query.has('legal-hold')) return 'GetObjectLegalHold';
      if (query.has('attributes')) return 'GetObjectAttributes';
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (query.has('uploadId') || query.has('partNumber'))
        return copySource ? 'UploadPartCopy' : 'UploadPart';
      if (query.has('tagging')) return 'PutObjectTagging';
      if (query.has('retention')) return 'PutObjectRetention';
      if (query.has('legal-hold')) return 'PutObjectLegalHold';
      if (query.has('acl')) return 'PutObjectAcl';
      return copySource ? 'CopyObject' : 'PutObject';
    case 'DELETE':
      if (query.has('uploadId')) return 'AbortMultipartUpload';
      if (query.has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      throw methodNotAllowed(context, 'object');
    default:
      throw methodNotAllowed(context, 'object');
  }
}
