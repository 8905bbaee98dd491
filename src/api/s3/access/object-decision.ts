// The part of an access decision that needs the object: its own ACL, and its tags for
// `s3:ExistingObjectTag/...` conditions. The node that checks the signature (a gateway) does not
// have the object; it defers the decision with what only it knows (the caller's own permissions,
// the client's address and transport) to the node that serves the object, which reads the
// object's metadata and decides there, before the operation runs.
import { StoreError, isStoreError } from '../../../errors/index.js';
import type { S3Request } from '../request.js';
import { versionIdOf } from '../request.js';
import { decideAccess, type DeferredDecision, type ObjectFacts } from './access-decision.js';
import type { S3Principal } from './principal.js';

/** What an authorization found: the caller, and a decision left to the object's node. */
export interface S3Grant {
  readonly principal: S3Principal;
  readonly deferred?: DeferredDecision;
}

/** The object's facts; a missing object (or version) has no tags and the default ACL. */
async function objectFacts(request: S3Request): Promise<ObjectFacts> {
  try {
    const info = await request.ports.objects.head(
      request.bucket,
      request.key,
      versionIdOf(request),
    );
    return { tags: info.tags, acl: info.acl };
  } catch (error) {
    if (isStoreError(error) && (error.code === 'ObjectNotFound' || error.code === 'NoSuchVersion'))
      return { tags: {}, acl: undefined };
    throw error;
  }
}

/** Throws AccessDenied unless the operation is allowed, the object's ACL and tags known. */
export async function decideAtObject(
  request: S3Request,
  operation: string,
  deferred: DeferredDecision,
): Promise<void> {
  const principal = request.auth.principal;
  if (principal === undefined) throw new StoreError('AccessDenied', 'Access Denied');
  const outcome = decideAccess({
    operation,
    bucket: request.bucket,
    key: request.key,
    principal,
    userAllowed: deferred.userAllowed,
    access: request.ports.buckets.getAccess(request.bucket),
    context: request.context,
    nowMs: request.clock.nowMs(),
    object: await objectFacts(request),
    client: deferred.client,
  });
  if (outcome !== 'allow') throw new StoreError('AccessDenied', 'Access Denied');
}
