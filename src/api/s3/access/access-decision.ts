// The access decision for one S3 request, as AWS makes it for a bucket: an explicit Deny in the
// bucket policy refuses; else the caller's own permissions (its AuthN user's access bits), an
// Allow in the policy, or the bucket ACL grant it; else it is refused. The bucket's public access
// block and ObjectOwnership setting narrow what the policy and the ACL may grant.
import type { RequestContext } from '../../common/request-context.js';
import type { S3AccessPropsJson } from '../../../wire/index.js';
import { aclAllows } from './acl.js';
import type { ConditionValues } from './policy-conditions.js';
import { parseBucketPolicy, type PolicyStatement } from './policy-document.js';
import { evaluatePolicy, policyIsPublic } from './policy-evaluate.js';
import type { S3Principal } from './principal.js';
import { operationAccess, resourceArn } from './s3-actions.js';

export interface AccessQuestion {
  readonly operation: string;
  readonly bucket: string;
  readonly key: string;
  readonly principal: S3Principal;
  /** The caller's AuthN permissions allow the operation (never for anonymous callers). */
  readonly userAllowed: boolean;
  readonly access: S3AccessPropsJson;
  readonly context: RequestContext;
}

/** Parsed policies by their text: a bucket's policy is parsed once, not on every request. */
const parsed = new Map<string, readonly PolicyStatement[]>();

export function policyStatements(
  access: S3AccessPropsJson,
  bucket: string,
): readonly PolicyStatement[] {
  if (access.policy === '') return [];
  const cacheKey = `${bucket}\n${access.policy}`;
  let statements = parsed.get(cacheKey);
  if (statements === undefined) {
    statements = parseBucketPolicy(access.policy, bucket);
    if (parsed.size >= 256) parsed.clear();
    parsed.set(cacheKey, statements);
  }
  return statements;
}

/** True when the request may go ahead. */
export function decideAccess(question: AccessQuestion): boolean {
  const { principal, access } = question;
  if (principal.admin) return true;
  const spec = operationAccess(question.operation);
  const block = access.public_access_block;
  let statements = policyStatements(access, question.bucket);
  // RestrictPublicBuckets: a public policy grants nothing to anyone but the owner's users.
  if (block?.restrict_public_buckets === true && policyIsPublic(statements)) {
    statements = statements.filter((statement) => statement.effect === 'Deny');
  }
  const decision = evaluatePolicy(statements, {
    principal,
    action: spec.action,
    resource: resourceArn(question.bucket, question.key, spec.onObject),
    values: conditionValues(question),
  });
  if (decision === 'Deny') return false;
  if (question.userAllowed || decision === 'Allow') return true;
  const isOwner = !principal.anonymous && principal.id === access.owner.id;
  if (isOwner) return true;
  // BucketOwnerEnforced: ACLs are off, only the owner's full control remains.
  if (spec.bucketAcl === undefined || access.object_ownership === 'BucketOwnerEnforced')
    return false;
  return aclAllows(access.grants, principal, spec.bucketAcl, block?.ignore_public_acls === true);
}

/** The values of the condition keys a request has (lower-case names). */
function conditionValues(question: AccessQuestion): ConditionValues {
  const { context, principal } = question;
  const req = context.req;
  const headerOf = (name: string): readonly string[] | undefined => {
    const value = req.headers[name];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value : [value];
  };
  const queryOf = (name: string): readonly string[] | undefined => {
    if (context.search === '') return undefined;
    const value = context.query.get(name);
    return value === null ? undefined : [value];
  };
  return (key) => {
    switch (key) {
      case 'aws:sourceip': {
        const address = req.socket.remoteAddress ?? '';
        return [address.startsWith('::ffff:') ? address.slice(7) : address];
      }
      case 'aws:securetransport':
        return [String('encrypted' in req.socket && req.socket.encrypted === true)];
      case 'aws:currenttime':
        return [new Date().toISOString()];
      case 'aws:epochtime':
        return [String(Math.floor(Date.now() / 1000))];
      case 'aws:username':
      case 'aws:userid':
        return principal.anonymous ? undefined : [principal.id];
      case 'aws:principaltype':
        return [principal.anonymous ? 'Anonymous' : 'User'];
      case 'aws:useragent':
        return headerOf('user-agent');
      case 'aws:referer':
        return headerOf('referer');
      case 's3:prefix':
      case 's3:delimiter':
      case 's3:max-keys':
        return queryOf(key.slice(3));
      case 's3:versionid':
        return queryOf('versionId');
      case 's3:authtype':
        return principal.anonymous
          ? undefined
          : [context.query.has('X-Amz-Signature') ? 'REST-QUERY-STRING' : 'REST-HEADER'];
      case 's3:signatureversion':
        return principal.anonymous ? undefined : ['AWS4-HMAC-SHA256'];
      default:
        // s3:x-amz-acl, s3:x-amz-server-side-encryption, s3:x-amz-copy-source, s3:x-amz-grant-*...
        return key.startsWith('s3:x-amz-') ? headerOf(key.slice(3)) : undefined;
    }
  };
}
