// The access decision for one S3 request, as AWS makes it for a bucket: an explicit Deny in the
// bucket policy refuses; else the caller's own permissions (its AuthN user's access bits), an
// Allow in the policy, or the bucket ACL grant it; else it is refused. The bucket's public access
// block and ObjectOwnership setting narrow what the policy and the ACL may grant.
import type { RequestContext } from '../../common/request-context.js';
import type { S3AccessPropsJson } from '../../../wire/index.js';
import { signatureV2Form } from '../auth/authenticate-v2.js';
import { aclAllows } from './acl.js';
import { objectAclAllows, type S3ObjectAcl } from './object-acl.js';
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
  /** The node's time (`aws:CurrentTime`, `aws:EpochTime`). */
  readonly nowMs: number;
  /** The object's tags and ACL, known where the object is stored (see object-decision.ts). */
  readonly object?: ObjectFacts;
  /** The client's address and transport, when the request came through another node. */
  readonly client?: ClientFacts;
}

export interface ObjectFacts {
  readonly tags: Readonly<Record<string, string>>;
  readonly acl: S3ObjectAcl | undefined;
}

/** A decision the object's node finishes (object-decision.ts), with what only this node knows. */
export interface DeferredDecision {
  /** The caller's AuthN permissions allow the operation. */
  readonly userAllowed: boolean;
  readonly client: ClientFacts;
}

export interface ClientFacts {
  readonly address: string;
  readonly secure: boolean;
}

/** The client of a request as the node it reached sees it. */
export function clientFacts(context: RequestContext): ClientFacts {
  const socket = context.req.socket;
  const address = socket.remoteAddress ?? '';
  return {
    address: address.startsWith('::ffff:') ? address.slice(7) : address,
    secure: 'encrypted' in socket && socket.encrypted === true,
  };
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

/**
 * Whether the request may go ahead; `at-object` when that depends on the object (its ACL, or its
 * tags for `s3:ExistingObjectTag/...`) and `question.object` is not known: the node that stores
 * the object decides (object-decision.ts).
 */
export type AccessOutcome = 'allow' | 'deny' | 'at-object';

export function decideAccess(question: AccessQuestion): AccessOutcome {
  const spec = operationAccess(question.operation);
  const { object, principal, access } = question;
  if (object === undefined && !principal.admin && spec.onObject && question.key !== '') {
    if (policyStatements(access, question.bucket).some(readsObjectTags)) return 'at-object';
  }
  const allowed = bucketAllows(question);
  if (allowed !== undefined) return allowed ? 'allow' : 'deny';
  if (access.object_ownership === 'BucketOwnerEnforced' || spec.objectAcl === undefined)
    return 'deny';
  if (object === undefined) return 'at-object';
  return objectAclAllows(object.acl, access, principal, spec.objectAcl) ? 'allow' : 'deny';
}

const existingTagPrefix = 's3:existingobjecttag/';

function readsObjectTags(statement: PolicyStatement): boolean {
  return statement.conditions.some((condition) => condition.key.startsWith(existingTagPrefix));
}

/** True or false when the bucket's policy, owner or ACL decide; undefined when none allows. */
function bucketAllows(question: AccessQuestion): boolean | undefined {
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
    return undefined;
  const ignorePublic = block?.ignore_public_acls === true;
  return aclAllows(access.grants, principal, spec.bucketAcl, ignorePublic) ? true : undefined;
}

/** The values of the condition keys a request has (lower-case names). */
function conditionValues(question: AccessQuestion): ConditionValues {
  const { context, principal } = question;
  const req = context.req;
  const client = question.client ?? clientFacts(context);
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
      case 'aws:sourceip':
        return [client.address];
      case 'aws:securetransport':
        return [String(client.secure)];
      case 'aws:currenttime':
        return [new Date(question.nowMs).toISOString()];
      case 'aws:epochtime':
        return [String(Math.floor(question.nowMs / 1000))];
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
          : [
              context.query.has('X-Amz-Signature') || signatureV2Form(context) === 'query'
                ? 'REST-QUERY-STRING'
                : 'REST-HEADER',
            ];
      case 's3:signatureversion':
        return principal.anonymous
          ? undefined
          : [signatureV2Form(context) === undefined ? 'AWS4-HMAC-SHA256' : 'AWS'];
      default:
        if (key.startsWith(existingTagPrefix)) return existingTag(question.object, key);
        // s3:x-amz-acl, s3:x-amz-server-side-encryption, s3:x-amz-copy-source, s3:x-amz-grant-*...
        return key.startsWith('s3:x-amz-') ? headerOf(key.slice(3)) : undefined;
    }
  };
}

/**
 * `s3:ExistingObjectTag/<tag key>`: the value of the object's tag. Condition keys reach here in
 * lower case (IAM compares key names case-insensitively), so the tag key matches in any case.
 */
function existingTag(object: ObjectFacts | undefined, key: string): readonly string[] | undefined {
  if (object === undefined) return undefined;
  const wanted = key.slice(existingTagPrefix.length);
  const found = Object.entries(object.tags).find(([name]) => name.toLowerCase() === wanted);
  return found === undefined ? undefined : [found[1]];
}
