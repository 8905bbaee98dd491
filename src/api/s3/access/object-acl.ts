// Per-object ACLs: the owner and grants an object write or PutObjectAcl gives an object, as S3
// decides them under the bucket's ObjectOwnership setting, and the record that keeps them in the
// object's metadata. The record is the custom metadata entry `cairn-acl` (like the encryption
// record `cairn-sse`), so it travels with the object's metadata record wherever that goes
// (mirror copies, EC metafiles, rebalance, multipart upload records) without a codec change;
// the S3 API never shows it as user metadata and refuses it from clients.
import type { IncomingHttpHeaders } from 'node:http';
import { StoreError } from '../../../errors/index.js';
import {
  objectAclMetadataKey,
  reservedKeyIn,
  type S3AccessPropsJson,
  type S3GrantJson,
} from '../../../wire/index.js';
import {
  aclAllows,
  aclIsPublic,
  cannedGrants,
  grantsFromHeaders,
  type AclPermission,
  type AclUsers,
} from './acl.js';
import type { S3Principal } from './principal.js';

type Owner = S3AccessPropsJson['owner'];

export interface S3ObjectAcl {
  owner: Owner;
  grants: S3GrantJson[];
}

/** The record: `{"o": owner ID, "g": [[permission, "id" | "uri", value], ...]}` (display name = ID). */
export function encodeObjectAcl(acl: S3ObjectAcl): string {
  const grants = acl.grants.map((grant) =>
    grant.uri !== undefined
      ? [grant.permission, 'uri', grant.uri]
      : [grant.permission, 'id', grant.id ?? ''],
  );
  return JSON.stringify({ o: acl.owner.id, g: grants });
}

/** The ACL of a record; undefined when there is none or it is malformed (the default then). */
export function decodeObjectAcl(text: string | undefined): S3ObjectAcl | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { o: owner, g: list } = value as { o?: unknown; g?: unknown };
  if (typeof owner !== 'string' || !Array.isArray(list)) return undefined;
  const grants: S3GrantJson[] = [];
  for (const item of list as unknown[]) {
    if (!Array.isArray(item) || item.length !== 3) return undefined;
    const [permission, kind, subject] = item as unknown[];
    if (typeof permission !== 'string' || typeof subject !== 'string') return undefined;
    if (kind === 'uri') grants.push({ uri: subject, permission });
    else if (kind === 'id') grants.push({ id: subject, display_name: subject, permission });
    else return undefined;
  }
  return { owner: { id: owner, display_name: owner }, grants };
}

/** The custom metadata without the record (what S3 shows as `x-amz-meta-*`). */
/** An object without a record: the bucket owner's, with full control and nothing else. */
export function defaultObjectAcl(access: S3AccessPropsJson): S3ObjectAcl {
  return { owner: access.owner, grants: cannedGrants('private', access.owner) };
}

/** The ACL S3 reports for an object: with ACLs disabled (BucketOwnerEnforced) the default. */
export function effectiveObjectAcl(
  stored: S3ObjectAcl | undefined,
  access: S3AccessPropsJson,
): S3ObjectAcl {
  if (stored === undefined || access.object_ownership === 'BucketOwnerEnforced')
    return defaultObjectAcl(access);
  return stored;
}

/** True when the object's ACL gives `principal` the permission (public grants per the block). */
export function objectAclAllows(
  stored: S3ObjectAcl | undefined,
  access: S3AccessPropsJson,
  principal: S3Principal,
  permission: AclPermission,
): boolean {
  if (access.object_ownership === 'BucketOwnerEnforced') return false;
  const acl = effectiveObjectAcl(stored, access);
  const ignorePublic = access.public_access_block?.ignore_public_acls === true;
  return aclAllows(acl.grants, principal, permission, ignorePublic);
}

function ownerOnly(grants: readonly S3GrantJson[], owner: Owner): boolean {
  return grants.every((grant) => grant.uri === undefined && grant.id === owner.id);
}

function aclsNotSupported(): StoreError {
  return new StoreError('AccessControlListNotSupported', 'The bucket does not allow ACLs');
}

export interface ObjectAclRequest {
  readonly headers: IncomingHttpHeaders;
  readonly writer: S3Principal;
  readonly access: S3AccessPropsJson;
  readonly users: AclUsers;
}

/**
 * The ACL a new object gets from its write's `x-amz-acl` / `x-amz-grant-*` (none: `private`);
 * undefined when it is the default (the bucket owner's, private), which needs no record. The
 * writer owns the object, except under BucketOwnerPreferred with `bucket-owner-full-control`
 * and under BucketOwnerEnforced, where ACLs are off: only no ACL or the bucket owner's full
 * control is accepted (400 AccessControlListNotSupported else).
 */
export function writtenObjectAcl(request: ObjectAclRequest): S3ObjectAcl | undefined {
  const { headers, writer, access } = request;
  const bucketOwner = access.owner;
  const ownership = access.object_ownership;
  const canned = headers['x-amz-acl'];
  if (ownership === 'BucketOwnerEnforced') {
    const grants = grantsFromHeaders(headers, bucketOwner, request.users, bucketOwner);
    if (grants !== undefined && !ownerOnly(grants, bucketOwner)) throw aclsNotSupported();
    return undefined;
  }
  const writerOwner: Owner = { id: writer.id, display_name: writer.displayName };
  const owner =
    ownership === 'BucketOwnerPreferred' && canned === 'bucket-owner-full-control'
      ? bucketOwner
      : writerOwner;
  const grants =
    grantsFromHeaders(headers, owner, request.users, bucketOwner) ?? cannedGrants('private', owner);
  refusePublicAcl(grants, access);
  if (owner.id === bucketOwner.id && ownerOnly(grants, owner)) return undefined;
  return { owner, grants };
}

/** BlockPublicAcls: a write or PutObjectAcl that grants everyone anything is refused. */
export function refusePublicAcl(grants: readonly S3GrantJson[], access: S3AccessPropsJson): void {
  if (access.public_access_block?.block_public_acls === true && aclIsPublic(grants))
    throw new StoreError('AccessDenied', 'Access Denied');
}

/** The user metadata of a write with the record of its ACL added (when not the default). */
export function withObjectAcl(
  userMetadata: Record<string, string>,
  request: ObjectAclRequest,
): Record<string, string> {
  const reserved = reservedKeyIn(userMetadata);
  if (reserved !== undefined)
    throw new StoreError(
      'InvalidArgument',
      `x-amz-meta-${reserved} is reserved (Cairn keeps it itself)`,
    );
  const acl = writtenObjectAcl(request);
  return acl === undefined
    ? userMetadata
    : { ...userMetadata, [objectAclMetadataKey]: encodeObjectAcl(acl) };
}
