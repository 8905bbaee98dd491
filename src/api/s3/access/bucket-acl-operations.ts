// Ownership and ACL operations: the access control a new bucket gets (owner, canned or granted
// ACL, ObjectOwnership), Get/PutBucketAcl, Get/PutObjectAcl, the ACL of an object write and the
// ownership controls.
import { StoreError } from '../../../errors/index.js';
import type { S3AccessPropsJson, S3GrantJson } from '../../../wire/index.js';
import type { S3Handler, S3Request } from '../request.js';
import { header, versionIdOf } from '../request.js';
import { childRecords, childText, sendXml } from '../xml/xml-codec.js';
import { readSmallDocument, readXmlDocument, sendEmpty } from '../operations/xml-body.js';
import { parseXmlDocument } from '../xml/xml-codec.js';
import {
  aclDocument,
  aclIsPublic,
  grantsFromDocument,
  grantsFromHeaders,
  type AclUsers,
} from './acl.js';
import { effectiveObjectAcl, refusePublicAcl, withObjectAcl } from './object-acl.js';
import { accessOwnedBy, clusterOwnerId, type S3Principal } from './principal.js';

const ownershipSettings = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

/** Who made the request: the principal the authorization found, else the cluster (auth off). */
export function requester(request: S3Request): S3Principal {
  return (
    request.auth.principal ?? {
      id: clusterOwnerId,
      displayName: clusterOwnerId,
      anonymous: false,
      admin: true,
    }
  );
}

/** The users an ACL may name: the S3 users the node knows of. */
function aclUsers(request: S3Request): AclUsers {
  return request.ports.buckets;
}

function aclsNotSupported(): StoreError {
  return new StoreError('AccessControlListNotSupported', 'The bucket does not allow ACLs');
}

function enforcedWithAcl(): StoreError {
  return new StoreError(
    'InvalidBucketAclWithObjectOwnership',
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
  );
}

/** Only the owner has anything: what BucketOwnerEnforced allows and objects can hold. */
function ownerOnly(grants: readonly S3GrantJson[], owner: S3AccessPropsJson['owner']): boolean {
  return grants.every((grant) => grant.id === owner.id && grant.uri === undefined);
}

/** The access control of a bucket CreateBucket makes: the requester owns it. */
export function newBucketAccess(request: S3Request): S3AccessPropsJson {
  const principal = requester(request);
  const access = accessOwnedBy(principal);
  const ownership = header(request, 'x-amz-object-ownership');
  if (ownership !== undefined) {
    if (!ownershipSettings.includes(ownership))
      throw new StoreError('InvalidArgument', `invalid x-amz-object-ownership "${ownership}"`);
    access.object_ownership = ownership;
  }
  const grants = grantsFromHeaders(request.context.req.headers, access.owner, aclUsers(request));
  if (grants !== undefined) {
    if (ownership === 'BucketOwnerEnforced' && !ownerOnly(grants, access.owner))
      throw enforcedWithAcl();
    access.grants = grants;
  }
  return access;
}

/** The document or the headers of a Put*Acl request, as grants (one of them, as S3 wants). */
async function requestedGrants(
  request: S3Request,
  owner: S3AccessPropsJson['owner'],
  bucketOwner = owner,
): Promise<S3GrantJson[]> {
  const headers = request.context.req.headers;
  const fromHeaders = grantsFromHeaders(headers, owner, aclUsers(request), bucketOwner);
  const text = await readSmallDocument(request);
  if (fromHeaders !== undefined) {
    if (text.trim() !== '')
      throw new StoreError(
        'BadRequest',
        'Specifying both an ACL document and ACL headers is not allowed',
      );
    return fromHeaders;
  }
  if (text.trim() === '')
    throw new StoreError(
      'MalformedACLError',
      'The request has no ACL: give x-amz-acl, x-amz-grant-* or a document',
    );
  return grantsFromDocument(
    parseXmlDocument(text, 'AccessControlPolicy'),
    owner,
    aclUsers(request),
  );
}

const getBucketAcl: S3Handler = (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  const enforced = access.object_ownership === 'BucketOwnerEnforced';
  const grants = enforced ? accessOwnedBy(ownerPrincipal(access)).grants : access.grants;
  sendXml(request.context.res, 'AccessControlPolicy', aclDocument(access.owner, grants));
  return Promise.resolve();
};

function ownerPrincipal(access: S3AccessPropsJson): Pick<S3Principal, 'id' | 'displayName'> {
  return { id: access.owner.id, displayName: access.owner.display_name };
}

const putBucketAcl: S3Handler = async (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  if (access.object_ownership === 'BucketOwnerEnforced') throw aclsNotSupported();
  const grants = await requestedGrants(request, access.owner);
  if (access.public_access_block?.block_public_acls === true && aclIsPublic(grants))
    throw new StoreError('AccessDenied', 'Access Denied');
  await request.ports.buckets.setAccess(request.bucket, { ...access, grants }, request.context);
  sendEmpty(request, 200);
};

const getObjectAcl: S3Handler = async (request) => {
  const info = await request.ports.objects.head(request.bucket, request.key, versionIdOf(request));
  const access = request.ports.buckets.getAccess(request.bucket);
  const acl = effectiveObjectAcl(info.acl, access);
  if (info.versionId !== undefined)
    request.context.res.setHeader('x-amz-version-id', info.versionId);
  sendXml(request.context.res, 'AccessControlPolicy', aclDocument(acl.owner, acl.grants));
};

/** Replaces the object's grants; its owner stays (a document must name it). */
const putObjectAcl: S3Handler = async (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  if (access.object_ownership === 'BucketOwnerEnforced') throw aclsNotSupported();
  const versionId = versionIdOf(request);
  const info = await request.ports.objects.head(request.bucket, request.key, versionId);
  const { owner } = effectiveObjectAcl(info.acl, access);
  const grants = await requestedGrants(request, owner, access.owner);
  refusePublicAcl(grants, access);
  const stored = await request.ports.objects.setAcl(request.bucket, request.key, versionId, {
    owner,
    grants,
  });
  if (stored.versionId !== undefined)
    request.context.res.setHeader('x-amz-version-id', stored.versionId);
  sendEmpty(request, 200);
};

/** The attributes of an object write with its ACL (from `x-amz-acl` / `x-amz-grant-*`) added. */
export function withWriteAcl<T extends { userMetadata: Record<string, string> }>(
  request: S3Request,
  attributes: T,
): T {
  const userMetadata = withObjectAcl(attributes.userMetadata, {
    headers: request.context.req.headers,
    writer: requester(request),
    access: request.ports.buckets.getAccess(request.bucket),
    users: aclUsers(request),
  });
  return { ...attributes, userMetadata };
}

const getOwnershipControls: S3Handler = (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  if (access.object_ownership === '')
    throw new StoreError(
      'OwnershipControlsNotFoundError',
      'The bucket ownership controls were not found',
    );
  sendXml(request.context.res, 'OwnershipControls', {
    Rule: { ObjectOwnership: access.object_ownership },
  });
  return Promise.resolve();
};

const putOwnershipControls: S3Handler = async (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  const document = await readXmlDocument(request, 'OwnershipControls');
  const rules = childRecords(document, 'Rule');
  const setting = rules.length === 1 ? childText(rules[0] ?? {}, 'ObjectOwnership') : undefined;
  if (setting === undefined || !ownershipSettings.includes(setting))
    throw new StoreError(
      'MalformedXML',
      'OwnershipControls must hold one Rule with a valid ObjectOwnership',
    );
  if (setting === 'BucketOwnerEnforced' && !ownerOnly(access.grants, access.owner))
    throw enforcedWithAcl();
  await request.ports.buckets.setAccess(
    request.bucket,
    { ...access, object_ownership: setting },
    request.context,
  );
  sendEmpty(request, 200);
};

const deleteOwnershipControls: S3Handler = async (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  await request.ports.buckets.setAccess(
    request.bucket,
    { ...access, object_ownership: '' },
    request.context,
  );
  sendEmpty(request, 204);
};

export const aclHandlers = {
  GetBucketAcl: getBucketAcl,
  PutBucketAcl: putBucketAcl,
  GetObjectAcl: getObjectAcl,
  PutObjectAcl: putObjectAcl,
  GetBucketOwnershipControls: getOwnershipControls,
  PutBucketOwnershipControls: putOwnershipControls,
  DeleteBucketOwnershipControls: deleteOwnershipControls,
};
