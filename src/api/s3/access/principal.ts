// Who an S3 request comes from, as ACLs and bucket policies see it: a canonical user (Cairn: the
// AuthN user name, which is also its display name), the cluster's admin, or nobody (unsigned).
import type { S3AccessPropsJson } from '../../../wire/index.js';

export interface S3Principal {
  /** Canonical user ID: the AuthN user name ('' when anonymous). */
  readonly id: string;
  readonly displayName: string;
  readonly anonymous: boolean;
  /** The configured key pair or an AuthN admin: may do anything, ACLs and policies aside. */
  readonly admin: boolean;
}

export const anonymousPrincipal: S3Principal = Object.freeze({
  id: '',
  displayName: '',
  anonymous: true,
  admin: false,
});

/** The owner of buckets made without an owner (native API, or before S3 access control). */
export const clusterOwnerId = 'cairn';

export const allUsersUri = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const authenticatedUsersUri = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const logDeliveryUri = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

/** The access control of a bucket that has none stored: the cluster's, private. */
export function defaultBucketAccess(): S3AccessPropsJson {
  return accessOwnedBy({ id: clusterOwnerId, displayName: clusterOwnerId });
}

/** A new bucket's access control: owned by `owner`, private, no policy. */
export function accessOwnedBy(owner: Pick<S3Principal, 'id' | 'displayName'>): S3AccessPropsJson {
  return {
    owner: { id: owner.id, display_name: owner.displayName },
    grants: [{ id: owner.id, display_name: owner.displayName, permission: 'FULL_CONTROL' }],
    object_ownership: '',
    policy: '',
  };
}

/**
 * The stored access control as the decision may trust it. `s3_access` can also be set through the
 * native `set-bprops`: a malformed one counts as the cluster's private default, never a crash.
 */
export function storedBucketAccess(raw: S3AccessPropsJson | undefined): S3AccessPropsJson {
  if (raw === undefined) return defaultBucketAccess();
  const valid =
    typeof raw.owner?.id === 'string' &&
    typeof raw.owner.display_name === 'string' &&
    Array.isArray(raw.grants) &&
    raw.grants.every((grant) => typeof grant?.permission === 'string') &&
    typeof raw.object_ownership === 'string' &&
    typeof raw.policy === 'string';
  return valid ? raw : defaultBucketAccess();
}
