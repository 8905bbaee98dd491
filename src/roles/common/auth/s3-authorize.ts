// S3 requests under AuthN: the signing key's owner must have the operation's access bit on the
// bucket (and read access to a copy's source). The node config's own key pair is the admin's, so
// the single-key set-up keeps working with AuthN on.
import type { RequestContext } from '../../../api/common/index.js';
import type { AuthResult, S3ApiOptions } from '../../../api/s3/index.js';
import { Access, s3CopyOperations, s3OperationAccess } from '../../../auth/index.js';
import { StoreError } from '../../../errors/index.js';
import type { NodeAuth } from './node-auth.js';

type Authorize = NonNullable<S3ApiOptions['authorize']>;

export function s3Authorizer(auth: NodeAuth, adminAccessKey: string): Authorize {
  return (context: RequestContext, result: AuthResult, operation: string, bucket: string) => {
    if (!auth.enabled) return;
    const { accessKey } = result;
    // Unsigned requests get here only with `s3.auth_enabled` off: nobody to grant anything to.
    if (accessKey === undefined) throw new StoreError('AccessDenied', 'Access Denied');
    if (accessKey === adminAccessKey) return;
    const { access, onBucket } = s3OperationAccess(operation);
    auth.authorizeS3(accessKey, access, onBucket ? s3Bucket(bucket) : undefined);
    if (s3CopyOperations.has(operation)) {
      const source = copySourceBucket(context);
      if (source !== undefined) auth.authorizeS3(accessKey, Access.get, s3Bucket(source));
    }
  };
}

function s3Bucket(name: string): { name: string; provider: string; namespace: string } {
  return { name, provider: 'ais', namespace: '' };
}

/** The bucket of `x-amz-copy-source` (`/bucket/key` or `bucket/key`, percent-encoded). */
function copySourceBucket(context: RequestContext): string | undefined {
  const header = context.req.headers['x-amz-copy-source'];
  if (typeof header !== 'string') return undefined;
  const path = header.startsWith('/') ? header.slice(1) : header;
  const bucket = path.split('/')[0];
  if (bucket === undefined || bucket === '') return undefined;
  try {
    return decodeURIComponent(bucket);
  } catch {
    return undefined;
  }
}
