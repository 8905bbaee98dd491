// Bucket policy and public access block operations: Put/Get/DeleteBucketPolicy,
// GetBucketPolicyStatus and Put/Get/DeletePublicAccessBlock.
import { StoreError } from '../../../errors/index.js';
import type { S3AccessPropsJson } from '../../../wire/index.js';
import type { S3Handler } from '../request.js';
import { childText, sendXml } from '../xml/xml-codec.js';
import { readSmallDocument, readXmlDocument, sendEmpty } from '../operations/xml-body.js';
import { policyStatements } from './access-decision.js';
import { parseBucketPolicy } from './policy-document.js';
import { policyIsPublic } from './policy-evaluate.js';

function noPolicy(): StoreError {
  return new StoreError('NoSuchBucketPolicy', 'The bucket policy does not exist');
}

const putBucketPolicy: S3Handler = async (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  const text = await readSmallDocument(request);
  const statements = parseBucketPolicy(text, request.bucket);
  if (access.public_access_block?.block_public_policy === true && policyIsPublic(statements))
    throw new StoreError('AccessDenied', 'Access Denied');
  await request.ports.buckets.setAccess(
    request.bucket,
    { ...access, policy: text },
    request.context,
  );
  sendEmpty(request, 204);
};

const getBucketPolicy: S3Handler = (request) => {
  const { policy } = request.ports.buckets.getAccess(request.bucket);
  if (policy === '') throw noPolicy();
  const res = request.context.res;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(policy));
  res.end(policy);
  return Promise.resolve();
};

const deleteBucketPolicy: S3Handler = async (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  await request.ports.buckets.setAccess(request.bucket, { ...access, policy: '' }, request.context);
  sendEmpty(request, 204);
};

const getBucketPolicyStatus: S3Handler = (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  if (access.policy === '') throw noPolicy();
  const isPublic = policyIsPublic(policyStatements(access, request.bucket));
  sendXml(request.context.res, 'PolicyStatus', { IsPublic: isPublic });
  return Promise.resolve();
};

type PublicAccessBlock = NonNullable<S3AccessPropsJson['public_access_block']>;

const blockFields: ReadonlyArray<[string, keyof PublicAccessBlock]> = [
  ['BlockPublicAcls', 'block_public_acls'],
  ['IgnorePublicAcls', 'ignore_public_acls'],
  ['BlockPublicPolicy', 'block_public_policy'],
  ['RestrictPublicBuckets', 'restrict_public_buckets'],
];

const putPublicAccessBlock: S3Handler = async (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  const document = await readXmlDocument(request, 'PublicAccessBlockConfiguration');
  const block: PublicAccessBlock = {
    block_public_acls: false,
    ignore_public_acls: false,
    block_public_policy: false,
    restrict_public_buckets: false,
  };
  for (const [element, field] of blockFields) {
    const text = childText(document, element);
    if (text === undefined) continue;
    if (text !== 'true' && text !== 'false')
      throw new StoreError('MalformedXML', `${element} must be true or false`);
    block[field] = text === 'true';
  }
  await request.ports.buckets.setAccess(
    request.bucket,
    { ...access, public_access_block: block },
    request.context,
  );
  sendEmpty(request, 200);
};

const getPublicAccessBlock: S3Handler = (request) => {
  const block = request.ports.buckets.getAccess(request.bucket).public_access_block;
  if (block === undefined)
    throw new StoreError(
      'NoSuchPublicAccessBlockConfiguration',
      'The public access block configuration was not found',
    );
  sendXml(
    request.context.res,
    'PublicAccessBlockConfiguration',
    Object.fromEntries(blockFields.map(([element, field]) => [element, block[field]])),
  );
  return Promise.resolve();
};

const deletePublicAccessBlock: S3Handler = async (request) => {
  const access = { ...request.ports.buckets.getAccess(request.bucket) };
  delete access.public_access_block;
  await request.ports.buckets.setAccess(request.bucket, access, request.context);
  sendEmpty(request, 204);
};

export const policyHandlers = {
  PutBucketPolicy: putBucketPolicy,
  GetBucketPolicy: getBucketPolicy,
  DeleteBucketPolicy: deleteBucketPolicy,
  GetBucketPolicyStatus: getBucketPolicyStatus,
  PutPublicAccessBlock: putPublicAccessBlock,
  GetPublicAccessBlock: getPublicAccessBlock,
  DeletePublicAccessBlock: deletePublicAccessBlock,
};
