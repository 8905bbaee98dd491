// S3 requests: who the caller is (an AuthN user by its S3 key, the admin, or anonymous) and
// whether it may do the operation — its own access bits, or the bucket's policy and ACL
// (api/s3/access decides). The node config's own key pair is the admin's, so the single-key
// set-up keeps working; with AuthN off every valid key is the admin and only unsigned requests
// are checked against ACLs and policies.
import type { RequestContext } from '../../../api/common/index.js';
import type { AuthResult, S3ApiOptions } from '../../../api/s3/index.js';
import {
  anonymousPrincipal,
  clientFacts,
  clusterOwnerId,
  decideAccess,
  type DeferredDecision,
  type S3Principal,
} from '../../../api/s3/access/index.js';
import { s3CopyOperations, s3OpenOperations, s3OperationAccess } from '../../../auth/index.js';
import { StoreError } from '../../../errors/index.js';
import type { NodeRuntime } from '../node-runtime.js';
import { existingBucketAccess } from './s3-bucket-access.js';

type Authorize = NonNullable<S3ApiOptions['authorize']>;

const adminPrincipal: S3Principal = Object.freeze({
  id: clusterOwnerId,
  displayName: clusterOwnerId,
  anonymous: false,
  admin: true,
});

function denied(): StoreError {
  return new StoreError('AccessDenied', 'Access Denied');
}

export function s3Authorizer(runtime: NodeRuntime, adminAccessKey: string): Authorize {
  const auth = runtime.auth;
  /** The caller, and whether its own access bits allow `access` (on the bucket when given). */
  const identify = (
    result: AuthResult,
  ): { principal: S3Principal; allows: (access: number, bucket?: string) => boolean } => {
    const { accessKey } = result;
    if (result.anonymous === true) return { principal: anonymousPrincipal, allows: () => false };
    // No key: signatures are not checked (`s3.auth_enabled` off), everyone is the admin.
    if (accessKey === undefined || !auth.enabled || accessKey === adminAccessKey)
      return { principal: adminPrincipal, allows: () => true };
    const owner = auth.s3Owner(accessKey);
    if (owner === undefined) throw denied();
    return {
      principal: {
        id: owner.username,
        displayName: owner.username,
        anonymous: false,
        admin: owner.admin,
      },
      allows: (access, bucket) =>
        auth.allowsS3(accessKey, access, bucket === undefined ? undefined : s3Bucket(bucket)),
    };
  };
  /**
   * Throws AccessDenied unless the caller may do `operation` on the bucket (or object); answers
   * the decision the object's node must finish when it depends on the object.
   */
  const check = (
    context: RequestContext,
    identity: ReturnType<typeof identify>,
    operation: string,
    bucket: string,
    key: string,
  ): DeferredDecision | undefined => {
    const { principal } = identity;
    const { access, onBucket } = s3OperationAccess(operation);
    if (!onBucket) {
      if (!identity.allows(access)) throw denied();
      return undefined;
    }
    const userAllowed = identity.allows(access, bucket);
    const bucketAccess = existingBucketAccess(runtime, bucket);
    // A missing bucket: the operation answers NoSuchBucket, as S3 does for anyone.
    if (bucketAccess === undefined) return undefined;
    const outcome = decideAccess({
      operation,
      bucket,
      key,
      principal,
      userAllowed,
      access: bucketAccess,
      context,
      nowMs: runtime.clock.nowMs(),
    });
    if (outcome === 'deny') throw denied();
    return outcome === 'at-object' ? { userAllowed, client: clientFacts(context) } : undefined;
  };
  return (context, result, operation, bucket, key) => {
    const identity = identify(result);
    const { principal } = identity;
    if (s3OpenOperations.has(operation)) return { principal };
    // AuthN off and signed: the admin, nothing to check.
    if (principal.admin) return { principal };
    const deferred = check(context, identity, operation, bucket, key);
    if (s3CopyOperations.has(operation)) {
      const source = copySource(context);
      // A copy's source is decided here: one its own ACL or tags would allow is refused.
      if (source !== undefined && check(context, identity, 'GetObject', source.bucket, source.key))
        throw denied();
    }
    return deferred === undefined ? { principal } : { principal, deferred };
  };
}

function s3Bucket(name: string): { name: string; provider: string; namespace: string } {
  return { name, provider: 'ais', namespace: '' };
}

/** Bucket and key of `x-amz-copy-source` (`/bucket/key` or `bucket/key`, percent-encoded). */
function copySource(context: RequestContext): { bucket: string; key: string } | undefined {
  const header = context.req.headers['x-amz-copy-source'];
  if (typeof header !== 'string') return undefined;
  const path = (header.startsWith('/') ? header.slice(1) : header).split('?')[0] ?? '';
  const slash = path.indexOf('/');
  if (slash <= 0) return undefined;
  try {
    return {
      bucket: decodeURIComponent(path.slice(0, slash)),
      key: decodeURIComponent(path.slice(slash + 1)),
    };
  } catch {
    return undefined;
  }
}
