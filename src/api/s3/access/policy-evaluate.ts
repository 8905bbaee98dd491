// Evaluates a bucket policy for one request: explicit Deny wins, then Allow, else no decision
// (the ACLs and the user's own permissions decide); and whether a policy is "public" as S3 sees it.
import { conditionHolds, type ConditionValues } from './policy-conditions.js';
import type { PolicyStatement } from './policy-document.js';
import { wildcardMatch } from './policy-text.js';
import { expandVariables } from './policy-variables.js';
import type { S3Principal } from './principal.js';

export type PolicyDecision = 'Allow' | 'Deny' | 'None';

export interface PolicyRequest {
  readonly principal: S3Principal;
  /** `s3:GetObject` */
  readonly action: string;
  /** `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key` */
  readonly resource: string;
  readonly values: ConditionValues;
}

export function evaluatePolicy(
  statements: readonly PolicyStatement[],
  request: PolicyRequest,
): PolicyDecision {
  let allowed = false;
  for (const statement of statements) {
    if (!applies(statement, request)) continue;
    if (statement.effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'None';
}

function applies(statement: PolicyStatement, request: PolicyRequest): boolean {
  const action = request.action.toLowerCase();
  const actionMatch = statement.actions.some((pattern) => wildcardMatch(pattern, action, true));
  if (actionMatch === statement.notAction) return false;
  const resourceMatch = statement.resources.some((pattern) => {
    if (!statement.variables) return wildcardMatch(pattern, request.resource, false);
    const expanded = expandVariables(pattern, request.values);
    return (
      expanded !== undefined &&
      wildcardMatch(expanded.text, request.resource, false, expanded.literal)
    );
  });
  if (resourceMatch === statement.notResource) return false;
  if (principalMatches(statement, request.principal) === statement.notPrincipal) return false;
  return statement.conditions.every((condition) =>
    conditionHolds(condition, request.values, statement.variables),
  );
}

function principalMatches(statement: PolicyStatement, principal: S3Principal): boolean {
  const { any, ids } = statement.principals;
  if (any) return true;
  return !principal.anonymous && ids.includes(principal.id);
}

/** Condition keys whose (positive) use limits a statement to known callers: not public. */
const limitingKeys: ReadonlySet<string> = new Set([
  'aws:sourceip',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourcearn',
  'aws:sourceaccount',
  'aws:sourceowner',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:userid',
  'aws:username',
]);

/**
 * S3's "public" policy: an Allow to everyone (`*`, or NotPrincipal) not narrowed by a condition
 * on the caller's identity or network (aws:SourceIp and the like).
 */
export function policyIsPublic(statements: readonly PolicyStatement[]): boolean {
  return statements.some(
    (statement) =>
      statement.effect === 'Allow' &&
      (statement.principals.any || statement.notPrincipal) &&
      !statement.conditions.some(
        (condition) => limitingKeys.has(condition.key) && !condition.spec.negated,
      ),
  );
}
