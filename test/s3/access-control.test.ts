// S3 access control against a real cluster with AuthN on and three users (alice, bob, carol) who
// may only create and list buckets: ownership, canned and granted ACLs, bucket policies with
// conditions, the public access block and ownership controls — each through the AWS SDK v3 (CORS
// rules in cors.test.ts), and object ACLs, policies and CORS through the aws cli too — and
// anonymous (unsigned) requests.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { refused, writeClientConfigs } from '../harness/s3-setup.js';
import { command, type CommandAnswer } from '../harness/command.js';
import { S3UsersCluster } from '../harness/s3-users.js';
import type { TestCluster } from '../harness/test-cluster.js';

const users = ['alice', 'bob', 'carol'] as const;
/** Debian's aws cli (another `aws` earlier on PATH may be a different major version). */
const awsProgram = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';

type User = (typeof users)[number];
let setup: S3UsersCluster;
let cluster: TestCluster;
let clients: Record<User | 'admin', S3Client>;

/** An unsigned request: status and body. */
async function anonymous(method: string, path: string, body?: string): Promise<[number, string]> {
  const response = await fetch(`${cluster.primary.publicUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
  });
  return [response.status, await response.text()];
}

before(async () => {
  setup = await S3UsersCluster.start(users);
  cluster = setup.cluster;
  clients = setup.clients;
});

after(async () => {
  await setup?.destroy();
});

const put = (user: User | 'admin', bucket: string, key: string, body = 'data'): Promise<unknown> =>
  clients[user].send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
const get = async (user: User | 'admin', bucket: string, key: string): Promise<string> => {
  const answer = await clients[user].send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await answer.Body?.transformToString()) ?? '';
};
const list = async (user: User | 'admin', bucket: string, prefix?: string): Promise<string[]> => {
  const answer = await clients[user].send(
    new ListObjectsV2Command({
      Bucket: bucket,
      ...(prefix === undefined ? {} : { Prefix: prefix }),
    }),
  );
  return (answer.Contents ?? []).map((entry) => entry.Key ?? '');
};

test('the creator owns its bucket; others and anonymous callers are refused', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'alice-own' }));
  // us-east-1 (the default s3.region): creating your own bucket again is 200; another's is 409.
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'alice-own' }));
  await refused(
    clients.bob.send(new CreateBucketCommand({ Bucket: 'alice-own' })),
    'BucketAlreadyExists',
    409,
  );
  const acl = await clients.alice.send(new GetBucketAclCommand({ Bucket: 'alice-own' }));
  assert.equal(acl.Owner?.ID, 'alice');
  assert.equal(acl.Owner?.DisplayName, 'alice');
  assert.deepEqual(
    acl.Grants?.map((grant) => [grant.Grantee?.ID, grant.Grantee?.Type, grant.Permission]),
    [['alice', 'CanonicalUser', 'FULL_CONTROL']],
  );
  await put('alice', 'alice-own', 'doc.txt', 'alice data');
  assert.equal(await get('alice', 'alice-own', 'doc.txt'), 'alice data');
  assert.deepEqual(await list('alice', 'alice-own'), ['doc.txt']);
  const objectAcl = await clients.alice.send(
    new GetObjectAclCommand({ Bucket: 'alice-own', Key: 'doc.txt' }),
  );
  assert.equal(objectAcl.Owner?.ID, 'alice');
  await refused(get('bob', 'alice-own', 'doc.txt'), 'AccessDenied', 403);
  await refused(put('bob', 'alice-own', 'x'), 'AccessDenied', 403);
  await refused(list('bob', 'alice-own'), 'AccessDenied', 403);
  await refused(
    clients.bob.send(new GetBucketAclCommand({ Bucket: 'alice-own' })),
    'AccessDenied',
    403,
  );
  const [status, body] = await anonymous('GET', '/alice-own/doc.txt');
  assert.equal(status, 403);
  assert.match(body, /<Code>AccessDenied<\/Code>/);
  assert.equal((await anonymous('GET', '/alice-own?list-type=2'))[0], 403);
  // A bucket that does not exist is NoSuchBucket for anyone, as in S3.
  const [missing, missingBody] = await anonymous('GET', '/no-such-bucket-here?list-type=2');
  assert.equal(missing, 404);
  assert.match(missingBody, /NoSuchBucket/);
  // The admin's key may do anything.
  assert.equal(await get('admin', 'alice-own', 'doc.txt'), 'alice data');
  // Object ACLs: test/s3/object-acl.test.ts.
});

test('canned ACLs, grant headers and AccessControlPolicy documents grant bucket access', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'alice-acl', ACL: 'public-read' }));
  await put('alice', 'alice-acl', 'a.txt');
  // public-read: anyone lists, nobody else writes.
  assert.deepEqual(await list('bob', 'alice-acl'), ['a.txt']);
  const [status, body] = await anonymous('GET', '/alice-acl?list-type=2');
  assert.equal(status, 200);
  assert.match(body, /<Key>a.txt<\/Key>/);
  await refused(put('bob', 'alice-acl', 'b.txt'), 'AccessDenied', 403);
  const acl = await clients.alice.send(new GetBucketAclCommand({ Bucket: 'alice-acl' }));
  assert.ok(
    acl.Grants?.some(
      (grant) =>
        grant.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' &&
        grant.Permission === 'READ',
    ),
  );
  // Grant headers: bob may write, nobody else reads any more.
  await clients.alice.send(
    new PutBucketAclCommand({
      Bucket: 'alice-acl',
      GrantWrite: 'id="bob"',
      GrantFullControl: 'id="alice"',
    }),
  );
  await put('bob', 'alice-acl', 'from-bob.txt');
  await refused(list('bob', 'alice-acl'), 'AccessDenied', 403);
  assert.equal((await anonymous('GET', '/alice-acl?list-type=2'))[0], 403);
  await refused(put('carol', 'alice-acl', 'c.txt'), 'AccessDenied', 403);
  // A document: signed-in users read; anonymous callers still do not.
  await clients.alice.send(
    new PutBucketAclCommand({
      Bucket: 'alice-acl',
      AccessControlPolicy: {
        Owner: { ID: 'alice' },
        Grants: [
          { Grantee: { Type: 'CanonicalUser', ID: 'alice' }, Permission: 'FULL_CONTROL' },
          {
            Grantee: {
              Type: 'Group',
              URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
            },
            Permission: 'READ',
          },
        ],
      },
    }),
  );
  assert.deepEqual((await list('carol', 'alice-acl')).sort(), ['a.txt', 'from-bob.txt']);
  assert.equal((await anonymous('GET', '/alice-acl?list-type=2'))[0], 403);
  // Bad ACLs: an unknown user, both a canned ACL and grants, someone else's owner ID.
  await refused(
    clients.alice.send(new PutBucketAclCommand({ Bucket: 'alice-acl', GrantRead: 'id="nobody"' })),
    'InvalidArgument',
    400,
  );
  await refused(
    clients.alice.send(
      new PutBucketAclCommand({ Bucket: 'alice-acl', ACL: 'private', GrantRead: 'id="bob"' }),
    ),
    'InvalidRequest',
    400,
  );
  await refused(
    clients.bob.send(new PutBucketAclCommand({ Bucket: 'alice-acl', ACL: 'public-read-write' })),
    'AccessDenied',
    403,
  );
  // public-read-write: anonymous writes go in.
  await clients.alice.send(
    new PutBucketAclCommand({ Bucket: 'alice-acl', ACL: 'public-read-write' }),
  );
  assert.equal((await anonymous('PUT', '/alice-acl/anon.txt', 'anon'))[0], 200);
  assert.equal(await get('alice', 'alice-acl', 'anon.txt'), 'anon');
});

test('grants by email name the user with that email, stored as its canonical ID', async () => {
  const bucket = 'alice-email';
  await clients.alice.send(new CreateBucketCommand({ Bucket: bucket }));
  await refused(put('bob', bucket, 'b.txt'), 'AccessDenied', 403);
  // Grant headers: bob by email may write; the ACL shows bob's canonical ID.
  await clients.alice.send(
    new PutBucketAclCommand({
      Bucket: bucket,
      GrantWrite: 'emailAddress="bob@example.com"',
      GrantFullControl: 'id="alice"',
    }),
  );
  await put('bob', bucket, 'b.txt');
  const acl = await clients.alice.send(new GetBucketAclCommand({ Bucket: bucket }));
  const write = acl.Grants?.find((grant) => grant.Permission === 'WRITE');
  assert.equal(write?.Grantee?.Type, 'CanonicalUser');
  assert.equal(write?.Grantee?.ID, 'bob');
  assert.equal(write?.Grantee?.EmailAddress, undefined);
  // A document grants carol (her email in other case) reading; bob's grant is gone.
  const byEmail = (EmailAddress: string, Permission: 'READ' | 'FULL_CONTROL') => ({
    Grantee: { Type: 'AmazonCustomerByEmail' as const, EmailAddress },
    Permission,
  });
  await clients.alice.send(
    new PutBucketAclCommand({
      Bucket: bucket,
      AccessControlPolicy: {
        Owner: { ID: 'alice' },
        Grants: [
          byEmail('alice@example.com', 'FULL_CONTROL'),
          byEmail('CAROL@Example.com', 'READ'),
        ],
      },
    }),
  );
  assert.deepEqual(await list('carol', bucket), ['b.txt']);
  await refused(put('bob', bucket, 'b2.txt'), 'AccessDenied', 403);
  // An email nobody has: S3's 400, by header and by document; the ACL stays.
  await refused(
    clients.alice.send(
      new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'emailAddress="nobody@example.com"' }),
    ),
    'UnresolvableGrantByEmailAddress',
    400,
  );
  await refused(
    clients.alice.send(
      new PutBucketAclCommand({
        Bucket: bucket,
        AccessControlPolicy: {
          Owner: { ID: 'alice' },
          Grants: [byEmail('nobody@example.com', 'READ')],
        },
      }),
    ),
    'UnresolvableGrantByEmailAddress',
    400,
  );
  assert.deepEqual(await list('carol', bucket), ['b.txt']);
});

test('bucket policies: allow by principal, action, resource and condition; explicit deny wins', async () => {
  await clients.alice.send(
    new CreateBucketCommand({ Bucket: 'alice-pol', ACL: 'authenticated-read' }),
  );
  for (const key of ['pub/1.txt', 'pub/2.txt', 'secret/s.txt'])
    await put('alice', 'alice-pol', key, key);
  await refused(
    clients.alice.send(new GetBucketPolicyCommand({ Bucket: 'alice-pol' })),
    'NoSuchBucketPolicy',
    404,
  );
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PublicObjects',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::alice-pol/pub/*',
      },
      {
        Sid: 'ListPubOnly',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::alice-pol',
        Condition: { StringLike: { 's3:prefix': 'pub/*' } },
      },
      {
        Sid: 'BobWritesDrop',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::000000000000:user/bob' },
        Action: ['s3:PutObject'],
        Resource: 'arn:aws:s3:::alice-pol/drop/*',
      },
      {
        Sid: 'NoCarol',
        Effect: 'Deny',
        Principal: { CanonicalUser: 'carol' },
        Action: 's3:*',
        Resource: ['arn:aws:s3:::alice-pol', 'arn:aws:s3:::alice-pol/*'],
      },
    ],
  };
  await clients.alice.send(
    new PutBucketPolicyCommand({ Bucket: 'alice-pol', Policy: JSON.stringify(policy) }),
  );
  const stored = await clients.alice.send(new GetBucketPolicyCommand({ Bucket: 'alice-pol' }));
  assert.deepEqual(JSON.parse(stored.Policy ?? ''), policy);
  const status = await clients.alice.send(
    new GetBucketPolicyStatusCommand({ Bucket: 'alice-pol' }),
  );
  assert.equal(status.PolicyStatus?.IsPublic, true);

  assert.equal((await anonymous('GET', '/alice-pol/pub/1.txt'))[1], 'pub/1.txt');
  assert.equal((await anonymous('GET', '/alice-pol/secret/s.txt'))[0], 403);
  // S3 takes response-* overrides from signed requests only (they were applied for anyone).
  const [overridden, refusal] = await anonymous(
    'GET',
    '/alice-pol/pub/1.txt?response-content-type=text/html',
  );
  assert.equal(overridden, 400);
  assert.match(refusal, /<Code>InvalidRequest<\/Code>/);
  assert.equal(
    (await anonymous('HEAD', '/alice-pol/pub/1.txt?response-cache-control=no-store'))[0],
    400,
  );
  assert.equal(
    (await anonymous('GET', '/alice-pol/secret/s.txt?response-content-type=text/html'))[0],
    403,
  );
  assert.equal((await anonymous('GET', '/alice-pol?list-type=2&prefix=pub/'))[0], 200);
  assert.equal((await anonymous('GET', '/alice-pol?list-type=2'))[0], 403);
  assert.equal(await get('bob', 'alice-pol', 'pub/2.txt'), 'pub/2.txt');
  await refused(get('bob', 'alice-pol', 'secret/s.txt'), 'AccessDenied', 403);
  await put('bob', 'alice-pol', 'drop/from-bob');
  await refused(put('bob', 'alice-pol', 'elsewhere'), 'AccessDenied', 403);
  // The ACL lets every signed-in user list, the policy's explicit Deny takes carol out.
  assert.equal((await list('bob', 'alice-pol')).length, 4);
  await refused(list('carol', 'alice-pol'), 'AccessDenied', 403);
  await refused(get('carol', 'alice-pol', 'pub/1.txt'), 'AccessDenied', 403);
  // Only the owner manages the policy; malformed ones are refused.
  await refused(
    clients.bob.send(
      new PutBucketPolicyCommand({ Bucket: 'alice-pol', Policy: JSON.stringify(policy) }),
    ),
    'AccessDenied',
    403,
  );
  const otherBucket = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' },
    ],
  });
  await refused(
    clients.alice.send(new PutBucketPolicyCommand({ Bucket: 'alice-pol', Policy: otherBucket })),
    'MalformedPolicy',
    400,
  );
  await refused(
    clients.alice.send(new PutBucketPolicyCommand({ Bucket: 'alice-pol', Policy: 'nope' })),
    'MalformedPolicy',
    400,
  );
  await clients.alice.send(new DeleteBucketPolicyCommand({ Bucket: 'alice-pol' }));
  assert.equal((await anonymous('GET', '/alice-pol/pub/1.txt'))[0], 403);
  assert.equal((await list('carol', 'alice-pol')).length, 4);
});

test('policy variables give each user a home; a form signed by a user is its PutObject', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'alice-home' }));
  const homes = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: 'arn:aws:s3:::alice-home/home/${aws:username}/*',
      },
    ],
  };
  await clients.alice.send(
    new PutBucketPolicyCommand({ Bucket: 'alice-home', Policy: JSON.stringify(homes) }),
  );
  await put('bob', 'alice-home', 'home/bob/a.txt', 'bob data');
  assert.equal(await get('bob', 'alice-home', 'home/bob/a.txt'), 'bob data');
  await refused(put('bob', 'alice-home', 'home/carol/a.txt'), 'AccessDenied', 403);
  await refused(get('carol', 'alice-home', 'home/bob/a.txt'), 'AccessDenied', 403);
  assert.equal((await anonymous('GET', '/alice-home/home/bob/a.txt'))[0], 403);
  const postForm = async (user: User, key: string): Promise<number> => {
    const { url, fields } = await createPresignedPost(clients[user], {
      Bucket: 'alice-home',
      Key: key,
      Expires: 600,
    });
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    body.append('file', new Blob(['from a form']), 'f.txt');
    const response = await fetch(url, { method: 'POST', body });
    await response.arrayBuffer();
    return response.status;
  };
  assert.equal(await postForm('bob', 'home/bob/form.txt'), 204);
  assert.equal(await get('bob', 'alice-home', 'home/bob/form.txt'), 'from a form');
  assert.equal(await postForm('bob', 'home/alice/form.txt'), 403);
  assert.equal(await postForm('carol', 'home/bob/form.txt'), 403);
});

test('the public access block refuses and ignores public ACLs and policies', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'alice-pab', ACL: 'public-read' }));
  await put('alice', 'alice-pab', 'k');
  await refused(
    clients.alice.send(new GetPublicAccessBlockCommand({ Bucket: 'alice-pab' })),
    'NoSuchPublicAccessBlockConfiguration',
    404,
  );
  const publicPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::alice-pab/*',
      },
    ],
  });
  await clients.alice.send(
    new PutBucketPolicyCommand({ Bucket: 'alice-pab', Policy: publicPolicy }),
  );
  assert.equal((await anonymous('GET', '/alice-pab/k'))[0], 200);
  assert.equal((await anonymous('GET', '/alice-pab?list-type=2'))[0], 200);
  await clients.alice.send(
    new PutPublicAccessBlockCommand({
      Bucket: 'alice-pab',
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  const block = await clients.alice.send(new GetPublicAccessBlockCommand({ Bucket: 'alice-pab' }));
  assert.deepEqual(block.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: true,
    RestrictPublicBuckets: true,
  });
  // IgnorePublicAcls and RestrictPublicBuckets: the public ACL and policy grant nothing now.
  assert.equal((await anonymous('GET', '/alice-pab?list-type=2'))[0], 403);
  assert.equal((await anonymous('GET', '/alice-pab/k'))[0], 403);
  await refused(list('bob', 'alice-pab'), 'AccessDenied', 403);
  // BlockPublicAcls and BlockPublicPolicy: new public ones are refused.
  await refused(
    clients.alice.send(new PutBucketAclCommand({ Bucket: 'alice-pab', ACL: 'public-read' })),
    'AccessDenied',
    403,
  );
  await refused(
    clients.alice.send(new PutBucketPolicyCommand({ Bucket: 'alice-pab', Policy: publicPolicy })),
    'AccessDenied',
    403,
  );
  await clients.alice.send(new DeletePublicAccessBlockCommand({ Bucket: 'alice-pab' }));
  assert.equal((await anonymous('GET', '/alice-pab/k'))[0], 200);
  await refused(
    clients.alice.send(new GetPublicAccessBlockCommand({ Bucket: 'alice-pab' })),
    'NoSuchPublicAccessBlockConfiguration',
    404,
  );
});

test('the aws cli as the second and third user: object ACL, bucket policy, CORS', async () => {
  const { awsEnv } = await writeClientConfigs(cluster.dir, cluster.primary.publicUrl);
  /** Runs `aws --endpoint-url ... args` with `user`'s key; a failure is an answer too. */
  const aws = async (user: User, ...args: string[]): Promise<CommandAnswer> => {
    const { accessKeyId, secretAccessKey } = await clients[user].config.credentials();
    const env = {
      ...awsEnv,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    };
    return await command(awsProgram, ['--endpoint-url', cluster.primary.publicUrl, ...args], env);
  };
  const ok = async (answer: Promise<CommandAnswer>): Promise<string> => {
    const { code, stdout, stderr } = await answer;
    assert.equal(code, 0, stderr);
    return stdout;
  };
  const denied = async (answer: Promise<CommandAnswer>): Promise<void> => {
    const { code, stderr } = await answer;
    assert.notEqual(code, 0);
    assert.match(stderr, /AccessDenied/);
  };
  const out = join(cluster.dir, 'cli-out.txt');
  const object = ['--bucket', 'alice-cli', '--key', 'doc.txt'];
  const getObject = (user: User) => aws(user, 's3api', 'get-object', ...object, out);

  // Set up with the SDK (the cli's start-up is slow): what the cli does follows.
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'alice-cli' }));
  await put('alice', 'alice-cli', 'doc.txt', 'written by alice');
  await denied(getObject('bob'));
  // An explicit grant by email (bob's, in other case) lets bob read the object, and nobody else.
  await ok(
    aws(
      'alice',
      's3api',
      'put-object-acl',
      ...object,
      '--grant-read',
      'emailaddress=Bob@Example.com',
    ),
  );
  const acl = JSON.parse(await ok(aws('alice', 's3api', 'get-object-acl', ...object))) as {
    Grants: Array<{ Grantee: { ID?: string }; Permission: string }>;
  };
  assert.ok(acl.Grants.some((grant) => grant.Grantee.ID === 'bob' && grant.Permission === 'READ'));
  await ok(getObject('bob'));
  assert.equal(await readFile(out, 'utf8'), 'written by alice');
  await denied(getObject('carol'));

  // A bucket policy lets carol read; get-bucket-policy gives it back.
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::000000000000:user/carol' },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::alice-cli/*',
      },
    ],
  };
  const bucket = ['--bucket', 'alice-cli'];
  await ok(
    aws('alice', 's3api', 'put-bucket-policy', ...bucket, '--policy', JSON.stringify(policy)),
  );
  const stored = JSON.parse(await ok(aws('alice', 's3api', 'get-bucket-policy', ...bucket))) as {
    Policy: string;
  };
  assert.deepEqual(JSON.parse(stored.Policy), policy);
  await ok(getObject('carol'));

  // CORS set with the cli, read back, and a preflight with `curl -X OPTIONS` answered by it.
  const cors = {
    CORSRules: [{ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET'] }],
  };
  const corsJson = JSON.stringify(cors);
  await denied(
    aws('carol', 's3api', 'put-bucket-cors', ...bucket, '--cors-configuration', corsJson),
  );
  await ok(aws('alice', 's3api', 'put-bucket-cors', ...bucket, '--cors-configuration', corsJson));
  const rules = JSON.parse(await ok(aws('alice', 's3api', 'get-bucket-cors', ...bucket))) as {
    CORSRules: Array<{ AllowedOrigins: string[]; AllowedMethods: string[] }>;
  };
  assert.deepEqual(rules.CORSRules[0]?.AllowedOrigins, ['https://app.example.com']);
  const preflight = (origin: string): Promise<string> =>
    ok(
      command('curl', [
        ...['-s', '-o', '/dev/null', '-D', '-', '-X', 'OPTIONS', '-H', `Origin: ${origin}`],
        ...['-H', 'Access-Control-Request-Method: GET'],
        `${cluster.primary.publicUrl}/alice-cli/doc.txt`,
      ]),
    );
  const allowed = await preflight('https://app.example.com');
  assert.match(allowed, /^HTTP\/1\.1 200/);
  assert.match(allowed, /^access-control-allow-origin: https:\/\/app\.example\.com\r?$/im);
  assert.match(await preflight('https://evil.example.org'), /^HTTP\/1\.1 403/);
});
