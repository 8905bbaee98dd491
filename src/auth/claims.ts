// What a token says about its holder (AIStore's token claims): admin, per-cluster and per-bucket
// permissions; and the one decision made from them: may this holder do that, here.
import { z } from 'zod';
import { accessToWire, hasAccess, parseAccess } from './access.js';

const permSchema = z.union([z.string(), z.number()]).transform((value, context) => {
  const access = parseAccess(String(value));
  if (access === undefined) {
    context.addIssue({ code: 'custom', message: `invalid permission "${String(value)}"` });
    return z.NEVER;
  }
  return access;
});

/** AIStore's `CluACL`: a cluster (by UUID) and the permissions in it. */
export const clusterAclSchema = z.object({
  id: z.string().min(1).max(128),
  alias: z.string().max(128).optional(),
  perm: permSchema.optional(),
  urls: z.array(z.string().url().max(1000)).max(16).optional(),
});
export type ClusterAcl = z.output<typeof clusterAclSchema>;

/** AIStore's `cmn.Bck` inside a bucket ACL. */
const bucketRefSchema = z.object({
  name: z.string().min(1).max(255),
  provider: z.string().max(16).optional(),
  namespace: z.object({ uuid: z.string().optional(), name: z.string().optional() }).optional(),
});
export type BucketRef = z.output<typeof bucketRefSchema>;

/** AIStore's `BckACL`: one bucket and the permissions on it (they replace the cluster's). */
export const bucketAclSchema = z.object({ bck: bucketRefSchema, perm: permSchema });
export type BucketAcl = z.output<typeof bucketAclSchema>;

/** The permission part of a token (and of an S3 key's owner). */
export interface Permissions {
  readonly username: string;
  readonly admin: boolean;
  readonly clusters: readonly ClusterAcl[];
  readonly buckets: readonly BucketAcl[];
}

export const claimsSchema = z.object({
  username: z.string().min(1),
  admin: z.boolean().default(false),
  clusters: z.array(clusterAclSchema).default([]),
  buckets: z.array(bucketAclSchema).default([]),
});

/** The permissions of the one identity that has them all (the configured S3 key pair). */
export const adminPermissions: Permissions = Object.freeze({
  username: 'admin',
  admin: true,
  clusters: [],
  buckets: [],
});

/** The bucket a request addresses, as the permission check compares it. */
export interface BucketIdentity {
  name: string;
  provider: string;
  namespace: string;
}

/** The JSON form of permissions, as tokens and the cluster's key table carry them. */
export function permissionsToWire(permissions: Permissions): Record<string, unknown> {
  return {
    username: permissions.username,
    admin: permissions.admin,
    clusters: permissions.clusters.map((acl) => ({
      ...acl,
      ...(acl.perm === undefined ? {} : { perm: accessToWire(acl.perm) }),
    })),
    buckets: permissions.buckets.map((acl) => ({ ...acl, perm: accessToWire(acl.perm) })),
  };
}

/**
 * True when `permissions` allow `needed` in cluster `clusterId` — on `bucket` when given. As in
 * AIStore: an admin may do anything; a bucket's own ACL, when the holder has one, replaces the
 * cluster-wide permissions for that bucket; cluster-level operations look at the cluster's only.
 */
export function isAllowed(
  permissions: Permissions,
  clusterId: string,
  needed: number,
  bucket?: BucketIdentity,
): boolean {
  if (permissions.admin) return true;
  if (bucket !== undefined) {
    const own = permissions.buckets.find((acl) => sameBucket(acl.bck, bucket));
    if (own !== undefined) return hasAccess(own.perm, needed);
  }
  const cluster = permissions.clusters.find((acl) => acl.id === clusterId);
  return cluster?.perm !== undefined && hasAccess(cluster.perm, needed);
}

function sameBucket(ref: BucketRef, bucket: BucketIdentity): boolean {
  if (ref.name !== bucket.name) return false;
  if ((ref.provider || 'ais') !== bucket.provider) return false;
  const namespace = ref.namespace?.name ?? '';
  return namespace === '' || namespace === bucket.namespace;
}
