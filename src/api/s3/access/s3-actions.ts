// What each S3 operation is in the access-control vocabulary: its IAM action (bucket policies),
// whether it addresses the bucket or an object (the policy resource), and what an ACL must grant
// on the bucket for it — or that only the bucket's owner may do it.
import type { AclPermission } from './acl.js';

export interface OperationAccess {
  readonly action: string;
  /** The policy resource is the object (`bucket/key`), else the bucket. */
  readonly onObject: boolean;
  /** The bucket ACL permission that allows it; undefined: the owner only. */
  readonly bucketAcl?: AclPermission;
  /** The permission the object's own ACL must grant when nothing else allows it. */
  readonly objectAcl?: AclPermission;
}

const bucketRead = (action: string): OperationAccess => ({
  action,
  onObject: false,
  bucketAcl: 'READ',
});
const objectWrite = (action: string): OperationAccess => ({
  action,
  onObject: true,
  bucketAcl: 'WRITE',
});
const ownerOnBucket = (action: string): OperationAccess => ({ action, onObject: false });
// Beyond the bucket's owner, a policy and the user's permissions, only an object's own ACL lets
// others at an object: READ its bytes, READ_ACP and WRITE_ACP its ACL (AWS's ACL-to-action map).
const ownerOnObject = (action: string): OperationAccess => ({ action, onObject: true });
const objectAcl = (action: string, permission: AclPermission): OperationAccess => ({
  action,
  onObject: true,
  objectAcl: permission,
});

const table: Readonly<Record<string, OperationAccess>> = {
  ListObjects: bucketRead('s3:ListBucket'),
  ListObjectsV2: bucketRead('s3:ListBucket'),
  HeadBucket: bucketRead('s3:ListBucket'),
  ListObjectVersions: bucketRead('s3:ListBucketVersions'),
  ListMultipartUploads: bucketRead('s3:ListBucketMultipartUploads'),
  GetBucketAcl: { action: 's3:GetBucketAcl', onObject: false, bucketAcl: 'READ_ACP' },
  PutBucketAcl: { action: 's3:PutBucketAcl', onObject: false, bucketAcl: 'WRITE_ACP' },
  GetBucketLocation: ownerOnBucket('s3:GetBucketLocation'),
  GetBucketVersioning: ownerOnBucket('s3:GetBucketVersioning'),
  PutBucketVersioning: ownerOnBucket('s3:PutBucketVersioning'),
  DeleteBucket: ownerOnBucket('s3:DeleteBucket'),
  GetObjectLockConfiguration: ownerOnBucket('s3:GetBucketObjectLockConfiguration'),
  PutObjectLockConfiguration: ownerOnBucket('s3:PutBucketObjectLockConfiguration'),
  GetBucketPolicy: ownerOnBucket('s3:GetBucketPolicy'),
  PutBucketPolicy: ownerOnBucket('s3:PutBucketPolicy'),
  DeleteBucketPolicy: ownerOnBucket('s3:DeleteBucketPolicy'),
  GetBucketPolicyStatus: ownerOnBucket('s3:GetBucketPolicyStatus'),
  GetBucketOwnershipControls: ownerOnBucket('s3:GetBucketOwnershipControls'),
  PutBucketOwnershipControls: ownerOnBucket('s3:PutBucketOwnershipControls'),
  DeleteBucketOwnershipControls: ownerOnBucket('s3:PutBucketOwnershipControls'),
  GetBucketCors: ownerOnBucket('s3:GetBucketCORS'),
  PutBucketCors: ownerOnBucket('s3:PutBucketCORS'),
  DeleteBucketCors: ownerOnBucket('s3:PutBucketCORS'),
  GetPublicAccessBlock: ownerOnBucket('s3:GetBucketPublicAccessBlock'),
  PutPublicAccessBlock: ownerOnBucket('s3:PutBucketPublicAccessBlock'),
  DeletePublicAccessBlock: ownerOnBucket('s3:PutBucketPublicAccessBlock'),
  GetBucketEncryption: ownerOnBucket('s3:GetEncryptionConfiguration'),
  PutBucketEncryption: ownerOnBucket('s3:PutEncryptionConfiguration'),
  DeleteBucketEncryption: ownerOnBucket('s3:PutEncryptionConfiguration'),
  GetBucketTagging: ownerOnBucket('s3:GetBucketTagging'),
  PutBucketTagging: ownerOnBucket('s3:PutBucketTagging'),
  DeleteBucketTagging: ownerOnBucket('s3:PutBucketTagging'),
  PutObject: objectWrite('s3:PutObject'),
  CopyObject: objectWrite('s3:PutObject'),
  CreateMultipartUpload: objectWrite('s3:PutObject'),
  UploadPart: objectWrite('s3:PutObject'),
  UploadPartCopy: objectWrite('s3:PutObject'),
  CompleteMultipartUpload: objectWrite('s3:PutObject'),
  AbortMultipartUpload: objectWrite('s3:AbortMultipartUpload'),
  DeleteObject: objectWrite('s3:DeleteObject'),
  // Checked once for the request on `bucket/*`, not key by key.
  DeleteObjects: objectWrite('s3:DeleteObject'),
  GetObject: objectAcl('s3:GetObject', 'READ'),
  HeadObject: objectAcl('s3:GetObject', 'READ'),
  GetObjectAcl: objectAcl('s3:GetObjectAcl', 'READ_ACP'),
  PutObjectAcl: objectAcl('s3:PutObjectAcl', 'WRITE_ACP'),
  GetObjectTagging: ownerOnObject('s3:GetObjectTagging'),
  PutObjectTagging: ownerOnObject('s3:PutObjectTagging'),
  DeleteObjectTagging: ownerOnObject('s3:DeleteObjectTagging'),
  ListParts: ownerOnObject('s3:ListMultipartUploadParts'),
  GetObjectRetention: ownerOnObject('s3:GetObjectRetention'),
  PutObjectRetention: ownerOnObject('s3:PutObjectRetention'),
  GetObjectLegalHold: ownerOnObject('s3:GetObjectLegalHold'),
  PutObjectLegalHold: ownerOnObject('s3:PutObjectLegalHold'),
};

/** Service-level and unknown operations: the owner only (nobody, for a bucket ACL). */
const unknown: OperationAccess = { action: 's3:*', onObject: false };

export function operationAccess(operation: string): OperationAccess {
  return Object.hasOwn(table, operation) ? (table[operation] ?? unknown) : unknown;
}

/** The policy resource of a request. */
export function resourceArn(bucket: string, key: string, onObject: boolean): string {
  if (!onObject) return `arn:aws:s3:::${bucket}`;
  return `arn:aws:s3:::${bucket}/${key === '' ? '*' : key}`;
}
