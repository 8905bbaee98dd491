// Bucket-level operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation,
// bucket versioning and DeleteObjects (ACLs and policies: ../access).
import { StoreError, isStoreError } from '../../../errors/index.js';
import type { S3Operation } from '../operation.js';
import { header, type S3Handler, type S3Request } from '../request.js';
import { bypassesGovernance } from '../object-lock.js';
import { childRecords, childText, sendXml, xmlTime } from '../xml/xml-codec.js';
import { clusterOwner, readSmallDocument, readXmlDocument, sendEmpty } from './xml-body.js';
import { parseXmlDocument } from '../xml/xml-codec.js';
import { newBucketAccess } from '../access/index.js';

/** At most this many keys in one DeleteObjects request (S3's limit). */
const maxDeleteKeys = 1000;

/** S3's bucket naming rules, applied when a bucket is created through S3. */
function validateNewBucketName(name: string): void {
  const valid =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name);
  if (!valid) throw new StoreError('InvalidBucketName', 'The specified bucket is not valid.');
}

/** The most buckets one ListBuckets page may ask for (`max-buckets`). */
const maxBucketsLimit = 10_000;

/**
 * ListBuckets, paged when the client asks (`max-buckets`, `continuation-token`, `prefix`): buckets
 * in name order, the token of a truncated page being the last name given (base64url).
 */
const listBuckets: S3Handler = (request) => {
  const query = request.context.query;
  const prefix = query.get('prefix') ?? '';
  const maxText = query.get('max-buckets');
  const max = maxText === null ? maxBucketsLimit : Number(maxText);
  if (!/^\d+$/.test(maxText ?? '0') || max < 1 || max > maxBucketsLimit)
    throw new StoreError('InvalidArgument', `max-buckets must be 1 to ${maxBucketsLimit}`);
  const token = query.get('continuation-token');
  const after = token === null ? '' : Buffer.from(token, 'base64url').toString('utf8');
  const matching = request.ports.buckets
    .listBuckets()
    .filter((bucket) => bucket.name.startsWith(prefix) && bucket.name > after)
    .sort((left, right) => (left.name < right.name ? -1 : 1));
  const page = matching.slice(0, max);
  const last = page[page.length - 1];
  const truncated = matching.length > page.length && last !== undefined;
  sendXml(request.context.res, 'ListAllMyBucketsResult', {
    Owner: clusterOwner,
    Buckets:
      page.length === 0
        ? ''
        : { Bucket: page.map((b) => ({ Name: b.name, CreationDate: xmlTime(b.createdMs) })) },
    ...(truncated ? { ContinuationToken: Buffer.from(last.name).toString('base64url') } : {}),
    ...(query.has('prefix') ? { Prefix: prefix } : {}),
  });
  return Promise.resolve();
};

/**
 * CreateBucket of a bucket that exists, as AWS answers it: someone else's, 409
 * `BucketAlreadyExists`; the requester's own, 409 `BucketAlreadyOwnedByYou`, except in us-east-1
 * (the cluster's `s3.region`), where AWS answers 200 and leaves the bucket as it is.
 */
function refuseExisting(request: S3Request, requesterId: string): void {
  if (request.ports.buckets.getAccess(request.bucket).owner.id !== requesterId)
    throw new StoreError(
      'BucketNameTaken',
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
    );
  if (request.settings.region !== 'us-east-1')
    throw new StoreError(
      'BucketAlreadyExists',
      'Your previous request to create the named bucket succeeded and you already own it.',
    );
}

const createBucket: S3Handler = async (request) => {
  validateNewBucketName(request.bucket);
  // CreateBucketConfiguration (a location constraint) is checked for well-formedness, then ignored.
  const text = await readSmallDocument(request);
  if (text.trim() !== '') parseXmlDocument(text, 'CreateBucketConfiguration');
  const lock = (header(request, 'x-amz-bucket-object-lock-enabled') ?? 'false').toLowerCase();
  if (lock !== 'true' && lock !== 'false')
    throw new StoreError(
      'InvalidArgument',
      'x-amz-bucket-object-lock-enabled must be true or false',
    );
  const access = newBucketAccess(request);
  try {
    await request.ports.buckets.createBucket(
      request.bucket,
      request.context,
      lock === 'true',
      access,
    );
  } catch (error) {
    if (!isStoreError(error) || error.code !== 'BucketAlreadyExists') throw error;
    refuseExisting(request, access.owner.id);
  }
  request.context.res.setHeader('location', `/${request.bucket}`);
  sendEmpty(request, 200);
};

const deleteBucket: S3Handler = async (request) => {
  await request.ports.buckets.deleteBucket(request.bucket, request.context);
  sendEmpty(request, 204);
};

const headBucket: S3Handler = (request) => {
  request.ports.buckets.headBucket(request.bucket);
  request.context.res.setHeader('x-amz-bucket-region', request.settings.region);
  sendEmpty(request, 200);
  return Promise.resolve();
};

const getBucketLocation: S3Handler = (request) => {
  request.ports.buckets.headBucket(request.bucket);
  // S3 reports us-east-1 as an empty constraint.
  const region = request.settings.region === 'us-east-1' ? '' : request.settings.region;
  sendXml(request.context.res, 'LocationConstraint', { '#text': region });
  return Promise.resolve();
};

const getBucketVersioning: S3Handler = (request) => {
  const status = request.ports.buckets.getVersioning(request.bucket);
  sendXml(
    request.context.res,
    'VersioningConfiguration',
    status === undefined ? {} : { Status: status },
  );
  return Promise.resolve();
};

const putBucketVersioning: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const document = await readXmlDocument(request, 'VersioningConfiguration');
  const status = childText(document, 'Status');
  if (status !== 'Enabled' && status !== 'Suspended') {
    throw new StoreError('MalformedXML', 'Status must be Enabled or Suspended');
  }
  if (childText(document, 'MfaDelete') === 'Enabled') {
    throw new StoreError('NotImplemented', 'S3 MFA delete is not implemented yet');
  }
  await request.ports.buckets.setVersioning(request.bucket, status, request.context);
  sendEmpty(request, 200);
};

const deleteObjects: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const document = await readXmlDocument(request, 'Delete');
  const quiet = childText(document, 'Quiet') === 'true';
  const objects = childRecords(document, 'Object');
  if (objects.length === 0 || objects.length > maxDeleteKeys) {
    throw new StoreError('MalformedXML', `Delete must list 1 to ${maxDeleteKeys} objects`);
  }
  const items = objects.map((object) => {
    const key = childText(object, 'Key');
    if (key === undefined || key === '')
      throw new StoreError('MalformedXML', 'Object without a Key');
    const versionId = childText(object, 'VersionId');
    return versionId === undefined || versionId === '' ? { key } : { key, versionId };
  });
  const results = await request.ports.buckets.deleteObjects(
    request.bucket,
    items,
    bypassesGovernance(request.context.req.headers),
  );
  // Results come in the order of the items: a requested version ID is the one deleted (maybe a
  // delete marker); without one, a created delete marker has the ID the answer names.
  const outcomes = results.map((result, index) => ({ result, requested: items[index]?.versionId }));
  const deleted = outcomes.filter(({ result }) => result.error === undefined);
  const failed = results.filter((result) => result.error !== undefined);
  sendXml(request.context.res, 'DeleteResult', {
    Deleted: quiet
      ? undefined
      : deleted.map(({ result, requested }) => ({
          Key: result.key,
          VersionId: requested ?? (result.deleteMarker ? undefined : result.versionId),
          DeleteMarker: result.deleteMarker ? true : undefined,
          DeleteMarkerVersionId: result.deleteMarker ? result.versionId : undefined,
        })),
    Error: failed.map((result) => ({
      Key: result.key,
      Code: result.error?.code,
      Message: result.error?.message,
    })),
  });
};

export const bucketHandlers = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  DeleteBucket: deleteBucket,
  HeadBucket: headBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketVersioning: getBucketVersioning,
  PutBucketVersioning: putBucketVersioning,
  DeleteObjects: deleteObjects,
} satisfies Partial<Record<S3Operation, S3Handler>>;
