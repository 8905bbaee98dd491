// Bucket policies: the JSON document (IAM policy language, the subset S3 bucket policies use)
// parsed and checked into statements, refusing what S3 refuses with its MalformedPolicy messages.
import { parseConditionBlock, type PolicyCondition } from './policy-conditions.js';
import { isRecord, malformedPolicy, stringList, wildcardMatch } from './policy-text.js';

/** Who a statement is about: anyone (`*`), or canonical user IDs. */
export interface PrincipalSet {
  readonly any: boolean;
  readonly ids: readonly string[];
}

export interface PolicyStatement {
  readonly sid: string;
  readonly effect: 'Allow' | 'Deny';
  /** `Principal`, or with `notPrincipal` the `NotPrincipal` set. */
  readonly principals: PrincipalSet;
  readonly notPrincipal: boolean;
  /** Lower case action patterns (`s3:get*`). */
  readonly actions: readonly string[];
  readonly notAction: boolean;
  readonly resources: readonly string[];
  readonly notResource: boolean;
  readonly conditions: readonly PolicyCondition[];
  /** Version 2012-10-17: `${...}` in resources and condition values are policy variables. */
  readonly variables: boolean;
}

/** The largest bucket policy S3 accepts. */
export const maxPolicyBytes = 20 * 1024;

const versions = new Set(['2012-10-17', '2008-10-17']);
const statementKeys = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

/** Parses and checks the policy of `bucket`; throws MalformedPolicy. */
export function parseBucketPolicy(text: string, bucket: string): PolicyStatement[] {
  if (Buffer.byteLength(text) > maxPolicyBytes) {
    throw malformedPolicy(`Policies must be at most ${maxPolicyBytes} bytes`);
  }
  if (!text.trimStart().startsWith('{')) {
    throw malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  }
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch {
    throw malformedPolicy('This policy contains invalid Json');
  }
  if (!isRecord(document)) throw malformedPolicy('This policy contains invalid Json');
  for (const key of Object.keys(document)) {
    if (!['Version', 'Id', 'Statement'].includes(key))
      throw malformedPolicy(`Unknown field ${key}`);
  }
  if (
    document.Version !== undefined &&
    (typeof document.Version !== 'string' || !versions.has(document.Version))
  ) {
    throw malformedPolicy('The policy must contain a valid version string');
  }
  const raw = document.Statement;
  if (raw === undefined) throw malformedPolicy('Missing required field Statement');
  const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  if (list.length === 0) throw malformedPolicy('Could not parse the policy: Statement is empty!');
  const variables = document.Version === '2012-10-17';
  return list.map((statement) => parseStatement(statement, bucket, variables));
}

function parseStatement(raw: unknown, bucket: string, variables: boolean): PolicyStatement {
  if (!isRecord(raw)) throw malformedPolicy('Statement must be an object');
  for (const key of Object.keys(raw)) {
    if (!statementKeys.has(key)) throw malformedPolicy(`Unknown field ${key}`);
  }
  const effect = raw.Effect;
  if (effect !== 'Allow' && effect !== 'Deny')
    throw malformedPolicy('Invalid effect: ' + String(effect));
  const principal = exactlyOne(raw, 'Principal', 'NotPrincipal');
  const action = exactlyOne(raw, 'Action', 'NotAction');
  const resource = exactlyOne(raw, 'Resource', 'NotResource');
  const actions = stringList(action.value, action.name).map((item) => checkedAction(item));
  const resources = stringList(resource.value, resource.name).map((item) =>
    checkedResource(item, bucket),
  );
  return {
    sid: typeof raw.Sid === 'string' ? raw.Sid : '',
    effect,
    principals: parsePrincipal(principal.value),
    notPrincipal: principal.name === 'NotPrincipal',
    actions,
    notAction: action.name === 'NotAction',
    resources,
    notResource: resource.name === 'NotResource',
    conditions: raw.Condition === undefined ? [] : parseConditionBlock(raw.Condition),
    variables,
  };
}

function exactlyOne(
  raw: Record<string, unknown>,
  name: string,
  notName: string,
): { name: string; value: unknown } {
  const has = raw[name] !== undefined;
  const hasNot = raw[notName] !== undefined;
  if (has && hasNot) throw malformedPolicy(`Statement may not have both ${name} and ${notName}`);
  if (!has && !hasNot) throw malformedPolicy(`Missing required field ${name}`);
  return has ? { name, value: raw[name] } : { name: notName, value: raw[notName] };
}

function checkedAction(action: string): string {
  if (action === '*') return action;
  if (!/^s3:[A-Za-z*?]+$/.test(action)) throw malformedPolicy('Policy has invalid action');
  return action.toLowerCase();
}

/** A resource must be the bucket or objects in it (`arn:aws:s3:::bucket[/key pattern]`). */
function checkedResource(resource: string, bucket: string): string {
  const prefix = 'arn:aws:s3:::';
  if (!resource.startsWith(prefix)) throw malformedPolicy('Policy has invalid resource');
  const path = resource.slice(prefix.length);
  const slash = path.indexOf('/');
  const bucketPart = slash < 0 ? path : path.slice(0, slash);
  if (!wildcardMatch(bucketPart, bucket, false))
    throw malformedPolicy('Policy has invalid resource');
  return resource;
}

/** `"*"`, `{"AWS": ...}` (user ARNs, IDs or `*`) or `{"CanonicalUser": ...}`. */
function parsePrincipal(value: unknown): PrincipalSet {
  if (value === '*') return { any: true, ids: [] };
  if (!isRecord(value)) throw malformedPolicy('Invalid principal in policy');
  let any = false;
  const ids: string[] = [];
  for (const [kind, names] of Object.entries(value)) {
    if (kind !== 'AWS' && kind !== 'CanonicalUser') {
      throw malformedPolicy('Invalid principal in policy');
    }
    for (const name of stringList(names, 'Principal')) {
      if (name === '*') any = true;
      else ids.push(kind === 'AWS' ? userOfArn(name) : name);
    }
  }
  return { any, ids };
}

/** `arn:aws:iam::<account>:user/<name>` names user `<name>`; a bare name is a canonical ID. */
function userOfArn(name: string): string {
  if (!name.startsWith('arn:')) return name;
  const match = /^arn:aws:iam::[^:]*:user\/(.+)$/.exec(name);
  if (match?.[1] === undefined) throw malformedPolicy('Invalid principal in policy');
  return match[1];
}
