// The bucket policy evaluator, table-tested: principals, actions, resources, Not*, conditions,
// explicit deny, MalformedPolicy messages, and what counts as a public policy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError } from '../../../errors/index.js';
import { parseBucketPolicy } from './policy-document.js';
import { evaluatePolicy, policyIsPublic, type PolicyDecision } from './policy-evaluate.js';
import { anonymousPrincipal, type S3Principal } from './principal.js';

const alice: S3Principal = { id: 'alice', displayName: 'alice', anonymous: false, admin: false };
const bob: S3Principal = { id: 'bob', displayName: 'bob', anonymous: false, admin: false };

function policy(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

function decide(
  text: string,
  principal: S3Principal,
  action: string,
  resource: string,
  values: Record<string, string> = {},
): PolicyDecision {
  return evaluatePolicy(parseBucketPolicy(text, 'bkt'), {
    principal,
    action,
    resource,
    values: (key) => (key in values ? [values[key] ?? ''] : undefined),
  });
}

const publicRead = policy({
  Effect: 'Allow',
  Principal: '*',
  Action: 's3:GetObject',
  Resource: 'arn:aws:s3:::bkt/*',
});

test('allow, deny and no decision, by principal, action and resource', () => {
  const cases: Array<[string, S3Principal, string, string, PolicyDecision]> = [
    [publicRead, anonymousPrincipal, 's3:GetObject', 'arn:aws:s3:::bkt/a/b', 'Allow'],
    [publicRead, alice, 's3:GetObject', 'arn:aws:s3:::bkt/x', 'Allow'],
    [publicRead, alice, 's3:PutObject', 'arn:aws:s3:::bkt/x', 'None'],
    [publicRead, alice, 's3:ListBucket', 'arn:aws:s3:::bkt', 'None'],
  ];
  const aliceOnly = policy({
    Effect: 'Allow',
    Principal: { AWS: ['arn:aws:iam::123:user/alice'] },
    Action: ['s3:Get*', 's3:List*'],
    Resource: ['arn:aws:s3:::bkt', 'arn:aws:s3:::bkt/*'],
  });
  cases.push(
    [aliceOnly, alice, 's3:GetObject', 'arn:aws:s3:::bkt/k', 'Allow'],
    [aliceOnly, alice, 's3:ListBucket', 'arn:aws:s3:::bkt', 'Allow'],
    [aliceOnly, bob, 's3:GetObject', 'arn:aws:s3:::bkt/k', 'None'],
    [aliceOnly, anonymousPrincipal, 's3:GetObject', 'arn:aws:s3:::bkt/k', 'None'],
  );
  const denyWins = policy(
    { Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::bkt/*' },
    {
      Effect: 'Deny',
      Principal: { CanonicalUser: 'bob' },
      Action: 's3:*',
      Resource: 'arn:aws:s3:::bkt/secret/*',
    },
  );
  cases.push(
    [denyWins, bob, 's3:GetObject', 'arn:aws:s3:::bkt/secret/x', 'Deny'],
    [denyWins, bob, 's3:GetObject', 'arn:aws:s3:::bkt/open/x', 'Allow'],
    [denyWins, alice, 's3:GetObject', 'arn:aws:s3:::bkt/secret/x', 'Allow'],
  );
  const nots = policy({
    Effect: 'Deny',
    NotPrincipal: { AWS: 'alice' },
    NotAction: 's3:GetObject',
    NotResource: 'arn:aws:s3:::bkt/public/*',
  });
  cases.push(
    [nots, bob, 's3:PutObject', 'arn:aws:s3:::bkt/k', 'Deny'],
    [nots, bob, 's3:GetObject', 'arn:aws:s3:::bkt/k', 'None'],
    [nots, bob, 's3:PutObject', 'arn:aws:s3:::bkt/public/k', 'None'],
    [nots, alice, 's3:PutObject', 'arn:aws:s3:::bkt/k', 'None'],
    [nots, anonymousPrincipal, 's3:DeleteObject', 'arn:aws:s3:::bkt/k', 'Deny'],
  );
  for (const [text, principal, action, resource, expected] of cases) {
    assert.equal(
      decide(text, principal, action, resource),
      expected,
      `${principal.id} ${action} ${resource}`,
    );
  }
});

test('condition operators, IfExists, Null and set qualifiers', () => {
  const withCondition = (condition: object): string =>
    policy({
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::bkt',
      Condition: condition,
    });
  const cases: Array<[object, Record<string, string>, PolicyDecision]> = [
    [{ StringEquals: { 's3:prefix': 'home/' } }, { 's3:prefix': 'home/' }, 'Allow'],
    [{ StringEquals: { 's3:prefix': 'home/' } }, { 's3:prefix': 'etc/' }, 'None'],
    [{ StringEquals: { 's3:prefix': 'home/' } }, {}, 'None'],
    [{ StringNotEquals: { 's3:prefix': 'home/' } }, {}, 'Allow'],
    [{ StringEqualsIfExists: { 's3:prefix': 'home/' } }, {}, 'Allow'],
    [{ StringLike: { 's3:prefix': ['home/*', 'pub?/'] } }, { 's3:prefix': 'pub1/' }, 'Allow'],
    [{ StringNotLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'home/x' }, 'None'],
    [{ StringEqualsIgnoreCase: { 's3:prefix': 'HOME/' } }, { 's3:prefix': 'home/' }, 'Allow'],
    [{ NumericLessThanEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': '10' }, 'Allow'],
    [{ NumericLessThan: { 's3:max-keys': '10' } }, { 's3:max-keys': '11' }, 'None'],
    [{ NumericGreaterThan: { 's3:max-keys': 5 } }, { 's3:max-keys': 'x' }, 'None'],
    [
      { DateLessThan: { 'aws:currenttime': '2030-01-01T00:00:00Z' } },
      { 'aws:currenttime': '2026-12-02T00:00:00Z' },
      'Allow',
    ],
    [
      { DateGreaterThan: { 'aws:currenttime': '2030-01-01T00:00:00Z' } },
      { 'aws:currenttime': '2026-12-02T00:00:00Z' },
      'None',
    ],
    [{ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:securetransport': 'false' }, 'Allow'],
    [{ Bool: { 'aws:SecureTransport': true } }, { 'aws:securetransport': 'false' }, 'None'],
    [{ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }, { 'aws:sourceip': '127.0.0.1' }, 'Allow'],
    [{ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:sourceip': '127.0.0.1' }, 'None'],
    [{ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:sourceip': '127.0.0.1' }, 'Allow'],
    [{ IpAddress: { 'aws:SourceIp': '::1/128' } }, { 'aws:sourceip': '::1' }, 'Allow'],
    [{ Null: { 's3:x-amz-acl': 'true' } }, {}, 'Allow'],
    [{ Null: { 's3:x-amz-acl': 'true' } }, { 's3:x-amz-acl': 'private' }, 'None'],
    [{ Null: { 's3:x-amz-acl': 'false' } }, { 's3:x-amz-acl': 'private' }, 'Allow'],
    [{ 'ForAllValues:StringEquals': { 's3:prefix': 'a' } }, {}, 'Allow'],
    [{ 'ForAnyValue:StringEquals': { 's3:prefix': 'a' } }, {}, 'None'],
    [
      { StringEquals: { 's3:prefix': 'a' }, StringLike: { 's3:delimiter': '/' } },
      { 's3:prefix': 'a' },
      'None',
    ],
  ];
  for (const [condition, values, expected] of cases) {
    const text = withCondition(condition);
    assert.equal(
      decide(text, alice, 's3:ListBucket', 'arn:aws:s3:::bkt', values),
      expected,
      JSON.stringify({ condition, values }),
    );
  }
});

test('malformed policies are refused with MalformedPolicy', () => {
  const statement = {
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::bkt/*',
  };
  const bad: Array<[string, RegExp]> = [
    ['not json', /first byte must be '\{'/],
    ['{"Statement": ', /invalid Json/],
    [JSON.stringify({ Version: '2012-10-17' }), /Missing required field Statement/],
    [JSON.stringify({ Version: '1999-01-01', Statement: [statement] }), /valid version/],
    [policy({ ...statement, Effect: 'Maybe' }), /Invalid effect/],
    [policy({ ...statement, Resource: 'arn:aws:s3:::other/*' }), /invalid resource/],
    [policy({ ...statement, Resource: 'bkt/*' }), /invalid resource/],
    [policy({ ...statement, Action: 'ec2:RunInstances' }), /invalid action/],
    [policy({ ...statement, Principal: { Service: 'x' } }), /Invalid principal/],
    [
      policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt/*' }),
      /Missing required field Principal/,
    ],
    [
      policy({ ...statement, Condition: { StringSortOf: { 's3:prefix': 'a' } } }),
      /Invalid Condition type/,
    ],
    [
      policy({ ...statement, Condition: { IpAddress: { 'aws:SourceIp': '300.1.1.1/8' } } }),
      /Invalid IP/,
    ],
    [
      policy({ ...statement, Condition: { NumericEquals: { 's3:max-keys': 'ten' } } }),
      /Invalid numeric/,
    ],
    [policy({ ...statement, Bogus: 1 }), /Unknown field Bogus/],
  ];
  for (const [text, message] of bad) {
    assert.throws(
      () => parseBucketPolicy(text, 'bkt'),
      (error: unknown) =>
        error instanceof StoreError &&
        error.code === 'MalformedPolicy' &&
        message.test(error.message),
      text,
    );
  }
});

test('a policy is public when it allows everyone without an address or identity condition', () => {
  const parse = (text: string): boolean => policyIsPublic(parseBucketPolicy(text, 'bkt'));
  assert.equal(parse(publicRead), true);
  const limited = policy({
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::bkt/*',
    Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  });
  assert.equal(parse(limited), false);
  const named = policy({
    Effect: 'Allow',
    Principal: { AWS: 'alice' },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::bkt/*',
  });
  assert.equal(parse(named), false);
});

test('policy variables: replaced literally in resources and condition values (2012-10-17 only)', () => {
  const home = {
    Effect: 'Allow',
    Principal: '*',
    Action: ['s3:GetObject', 's3:ListBucket'],
    Resource: 'arn:aws:s3:::bkt/home/${aws:username}/*',
  };
  const listOwn = {
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:ListBucket',
    Resource: 'arn:aws:s3:::bkt',
    Condition: { StringLike: { 's3:prefix': 'home/${aws:username}/${*}' } },
  };
  const text = policy(home, listOwn);
  const user = { 'aws:username': 'alice' };
  const cases: Array<[string, Record<string, string>, string, PolicyDecision]> = [
    ['s3:GetObject', user, 'arn:aws:s3:::bkt/home/alice/a.txt', 'Allow'],
    ['s3:GetObject', user, 'arn:aws:s3:::bkt/home/bob/a.txt', 'None'],
    // No user name (anonymous): the pattern matches nothing.
    ['s3:GetObject', {}, 'arn:aws:s3:::bkt/home//a.txt', 'None'],
    // A wildcard in the value is literal: a user named `*` gets only `home/*/`.
    ['s3:GetObject', { 'aws:username': '*' }, 'arn:aws:s3:::bkt/home/bob/a.txt', 'None'],
    ['s3:GetObject', { 'aws:username': '*' }, 'arn:aws:s3:::bkt/home/*/a.txt', 'Allow'],
    ['s3:ListBucket', { ...user, 's3:prefix': 'home/alice/*' }, 'arn:aws:s3:::bkt', 'Allow'],
    ['s3:ListBucket', { ...user, 's3:prefix': 'home/alice/x' }, 'arn:aws:s3:::bkt', 'None'],
    ['s3:ListBucket', { ...user, 's3:prefix': 'home/bob/*' }, 'arn:aws:s3:::bkt', 'None'],
  ];
  for (const [action, values, resource, expected] of cases) {
    assert.equal(
      decide(text, alice, action, resource, values),
      expected,
      `${action} ${resource} ${JSON.stringify(values)}`,
    );
  }
  // 2008-10-17 has no policy variables: `${aws:username}` is text.
  const old = JSON.stringify({ Version: '2008-10-17', Statement: [home] });
  assert.equal(decide(old, alice, 's3:GetObject', 'arn:aws:s3:::bkt/home/alice/a', user), 'None');
  assert.equal(
    decide(old, alice, 's3:GetObject', 'arn:aws:s3:::bkt/home/${aws:username}/a', user),
    'Allow',
  );
});
