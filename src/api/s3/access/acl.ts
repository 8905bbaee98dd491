// S3 ACLs: canned ACLs, `x-amz-grant-*` headers and the AccessControlPolicy document, all turned
// into one list of grants; and what a grant list allows a principal.
import type { IncomingHttpHeaders } from 'node:http';
import { StoreError } from '../../../errors/index.js';
import type { S3AccessPropsJson, S3GrantJson } from '../../../wire/index.js';
import { childRecords, childText, type XmlRecord } from '../xml/xml-codec.js';
import {
  allUsersUri,
  authenticatedUsersUri,
  logDeliveryUri,
  type S3Principal,
} from './principal.js';

export const aclPermissions = ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL'] as const;
export type AclPermission = (typeof aclPermissions)[number];

const grantHeaders: ReadonlyArray<[string, AclPermission]> = [
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
];

const groupUris: ReadonlySet<string> = new Set([
  allUsersUri,
  authenticatedUsersUri,
  logDeliveryUri,
]);

type Owner = S3AccessPropsJson['owner'];

/** Who an ACL may name: users by canonical ID, and by email where a user has one. */
export interface AclUsers {
  isKnownUser(id: string): boolean;
  /** The canonical ID of the user with this email (case-insensitive); undefined: nobody. */
  userIdByEmail(email: string): string | undefined;
}

/** A grantee as a request names it: by canonical ID, group URI or email. */
type RequestedGrant = Omit<S3GrantJson, 'display_name'> & { email?: string };

function userGrant(owner: Owner, permission: AclPermission): S3GrantJson {
  return { id: owner.id, display_name: owner.display_name, permission };
}

/** The grants of a canned ACL; `bucketOwner` is the bucket's (objects), else `owner` itself. */
export function cannedGrants(canned: string, owner: Owner, bucketOwner = owner): S3GrantJson[] {
  const own = [userGrant(owner, 'FULL_CONTROL')];
  const group = (uri: string, permission: AclPermission): S3GrantJson => ({ uri, permission });
  switch (canned) {
    case 'private':
      return own;
    case 'public-read':
      return [...own, group(allUsersUri, 'READ')];
    case 'public-read-write':
      return [...own, group(allUsersUri, 'READ'), group(allUsersUri, 'WRITE')];
    case 'authenticated-read':
      return [...own, group(authenticatedUsersUri, 'READ')];
    case 'log-delivery-write':
      return [...own, group(logDeliveryUri, 'WRITE'), group(logDeliveryUri, 'READ_ACP')];
    case 'bucket-owner-read':
      return bucketOwner.id === owner.id ? own : [...own, userGrant(bucketOwner, 'READ')];
    case 'bucket-owner-full-control':
      return bucketOwner.id === owner.id ? own : [...own, userGrant(bucketOwner, 'FULL_CONTROL')];
    default:
      throw new StoreError('InvalidArgument', `unknown canned ACL "${canned}" in x-amz-acl`);
  }
}

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The grants a request asks for with `x-amz-acl` or `x-amz-grant-*` (not both, as S3 refuses);
 * undefined when it asks for none. Grantees must be `users` or groups; an email becomes its
 * user's canonical ID, as S3 stores it.
 */
export function grantsFromHeaders(
  headers: IncomingHttpHeaders,
  owner: Owner,
  users: AclUsers,
  bucketOwner = owner,
): S3GrantJson[] | undefined {
  const canned = headerText(headers, 'x-amz-acl');
  const explicit = grantHeaders.filter(([name]) => headers[name] !== undefined);
  if (canned !== undefined && explicit.length > 0) {
    throw new StoreError(
      'BadRequest',
      'Specifying both Canned ACLs and Header Grants is not allowed',
    );
  }
  if (canned !== undefined) return cannedGrants(canned.trim(), owner, bucketOwner);
  if (explicit.length === 0) return undefined;
  const grants: S3GrantJson[] = [];
  for (const [name, permission] of explicit) {
    for (const grantee of parseGranteeList(headerText(headers, name) ?? '')) {
      grants.push(checkedGrant({ ...grantee, permission }, users));
    }
  }
  return grants;
}

/** `id="...", uri="...", emailAddress="..."` */
function parseGranteeList(text: string): Array<Omit<RequestedGrant, 'permission'>> {
  const grantees: Array<Omit<RequestedGrant, 'permission'>> = [];
  for (const part of text.split(',')) {
    const match = /^\s*(id|uri|emailAddress)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
    if (match === null)
      throw new StoreError('InvalidArgument', `malformed grantee "${part.trim()}"`);
    const [, type = '', value = ''] = match;
    const kind = type.toLowerCase();
    grantees.push(
      kind === 'id' ? { id: value } : kind === 'uri' ? { uri: value } : { email: value },
    );
  }
  return grantees;
}

/** A grant whose grantee exists: a known user (by ID or email) or one of S3's groups. */
function checkedGrant(grant: RequestedGrant, users: AclUsers): S3GrantJson {
  if (grant.uri !== undefined) {
    if (!groupUris.has(grant.uri))
      throw new StoreError('InvalidArgument', `unknown grantee group "${grant.uri}"`);
    return { uri: grant.uri, permission: grant.permission };
  }
  if (grant.email !== undefined) {
    const id = users.userIdByEmail(grant.email.trim());
    if (id === undefined) {
      throw new StoreError(
        'UnresolvableGrantByEmailAddress',
        'The email address that you provided does not match any account on record.',
      );
    }
    return { id, display_name: id, permission: grant.permission };
  }
  const id = grant.id ?? '';
  if (!users.isKnownUser(id)) throw new StoreError('InvalidArgument', 'Invalid id');
  return { id, display_name: id, permission: grant.permission };
}

/** An AccessControlPolicy document: its owner must be the current owner; its grants. */
export function grantsFromDocument(
  document: XmlRecord,
  owner: Owner,
  users: AclUsers,
): S3GrantJson[] {
  const ownerRecord = childRecords(document, 'Owner')[0];
  const ownerId = ownerRecord === undefined ? undefined : childText(ownerRecord, 'ID');
  if (ownerId === undefined) throw malformedAcl();
  if (ownerId !== owner.id) throw new StoreError('AccessDenied', 'Access Denied');
  const list = childRecords(document, 'AccessControlList')[0] ?? {};
  return childRecords(list, 'Grant').map((grant) => {
    const permission = childText(grant, 'Permission') ?? '';
    if (!(aclPermissions as readonly string[]).includes(permission)) throw malformedAcl();
    const grantee = childRecords(grant, 'Grantee')[0];
    if (grantee === undefined) throw malformedAcl();
    const email = childText(grantee, 'EmailAddress');
    const uri = childText(grantee, 'URI');
    const id = childText(grantee, 'ID');
    if (email !== undefined) return checkedGrant({ email, permission }, users);
    if (uri !== undefined) return checkedGrant({ uri, permission }, users);
    if (id === undefined) throw malformedAcl();
    return checkedGrant({ id, permission }, users);
  });
}

function malformedAcl(): StoreError {
  return new StoreError(
    'MalformedACLError',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );
}

/** The AccessControlPolicy document of an owner and grants. */
export function aclDocument(owner: Owner, grants: readonly S3GrantJson[]): Record<string, unknown> {
  const xsi = { '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' };
  return {
    Owner: { ID: owner.id, DisplayName: owner.display_name },
    AccessControlList: {
      Grant: grants.map((grant) => ({
        Grantee:
          grant.uri !== undefined
            ? { ...xsi, '@_xsi:type': 'Group', URI: grant.uri }
            : {
                ...xsi,
                '@_xsi:type': 'CanonicalUser',
                ID: grant.id,
                DisplayName: grant.display_name ?? grant.id,
              },
        Permission: grant.permission,
      })),
    },
  };
}

/** True when a grant of the list gives `principal` the permission (FULL_CONTROL gives all). */
export function aclAllows(
  grants: readonly S3GrantJson[],
  principal: S3Principal,
  permission: AclPermission,
  ignorePublic = false,
): boolean {
  return grants.some((grant) => {
    if (grant.permission !== permission && grant.permission !== 'FULL_CONTROL') return false;
    if (grant.uri === allUsersUri) return !ignorePublic;
    if (grant.uri === authenticatedUsersUri) return !ignorePublic && !principal.anonymous;
    return grant.id !== undefined && !principal.anonymous && grant.id === principal.id;
  });
}

/** True when the list grants anything to everyone or every signed-in user (S3's "public"). */
export function aclIsPublic(grants: readonly S3GrantJson[]): boolean {
  return grants.some((grant) => grant.uri === allUsersUri || grant.uri === authenticatedUsersUri);
}
