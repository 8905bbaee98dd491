// The access bit each S3 operation needs (on the addressed bucket, or cluster-wide for the
// service-level ones). An operation not in the table needs admin.
import { Access } from './access.js';

const bucketOperations: Record<string, number> = {
  HeadBucket: Access.bckHead,
  GetBucketLocation: Access.bckHead,
  GetBucketVersioning: Access.bckHead,
  GetBucketAcl: Access.bckHead,
  PutBucketAcl: Access.bckSetAcl,
  PutObjectAcl: Access.bckSetAcl,
  GetBucketPolicy: Access.bckHead,
  GetBucketPolicyStatus: Access.bckHead,
  PutBucketPolicy: Access.bckSetAcl,
  DeleteBucketPolicy: Access.bckSetAcl,
  GetBucketOwnershipControls: Access.bckHead,
  PutBucketOwnershipControls: Access.bckSetAcl,
  DeleteBucketOwnershipControls: Access.bckSetAcl,
  GetBucketCors: Access.bckHead,
  PutBucketCors: Access.bckSetAcl,
  DeleteBucketCors: Access.bckSetAcl,
  GetPublicAccessBlock: Access.bckHead,
  PutPublicAccessBlock: Access.bckSetAcl,
  DeletePublicAccessBlock: Access.bckSetAcl,
  PutBucketVersioning: Access.patch,
  GetBucketLifecycleConfiguration: Access.bckHead,
  PutBucketLifecycleConfiguration: Access.patch,
  DeleteBucketLifecycle: Access.patch,
  GetBucketEncryption: Access.bckHead,
  PutBucketEncryption: Access.patch,
  DeleteBucketEncryption: Access.patch,
  GetObjectLockConfiguration: Access.bckHead,
  PutObjectLockConfiguration: Access.patch,
  GetBucketTagging: Access.bckHead,
  PutBucketTagging: Access.patch,
  DeleteBucketTagging: Access.patch,
  ListObjects: Access.objList,
  ListObjectsV2: Access.objList,
  ListObjectVersions: Access.objList,
  ListMultipartUploads: Access.objList,
  DeleteObjects: Access.objDelete,
  DeleteBucket: Access.destroyBucket,
  PutObject: Access.put,
  CopyObject: Access.put,
  GetObject: Access.get,
  HeadObject: Access.objHead,
  GetObjectAttributes: Access.objHead,
  DeleteObject: Access.objDelete,
  GetObjectTagging: Access.objHead,
  GetObjectAcl: Access.objHead,
  PutObjectTagging: Access.put,
  DeleteObjectTagging: Access.put,
  GetObjectRetention: Access.objHead,
  PutObjectRetention: Access.put,
  GetObjectLegalHold: Access.objHead,
  PutObjectLegalHold: Access.put,
  CreateMultipartUpload: Access.put,
  UploadPart: Access.put,
  UploadPartCopy: Access.put,
  CompleteMultipartUpload: Access.put,
  AbortMultipartUpload: Access.put,
  ListParts: Access.put,
};

const clusterOperations: Record<string, number> = {
  ListBuckets: Access.listBuckets,
  CreateBucket: Access.createBucket,
};

/** What `operation` needs, and whether on its bucket (false: a cluster-level right). */
export function s3OperationAccess(operation: string): { access: number; onBucket: boolean } {
  if (Object.hasOwn(clusterOperations, operation))
    return { access: clusterOperations[operation] ?? Access.admin, onBucket: false };
  if (Object.hasOwn(bucketOperations, operation))
    return { access: bucketOperations[operation] ?? Access.admin, onBucket: true };
  return { access: Access.admin, onBucket: false };
}

/** Operations open to everyone, signed or not: a browser's CORS preflight carries no credentials. */
export const s3OpenOperations: ReadonlySet<string> = new Set(['PreflightCors']);

/** Operations that read a source object (`x-amz-copy-source`) besides writing their own. */
export const s3CopyOperations: ReadonlySet<string> = new Set(['CopyObject', 'UploadPartCopy']);
