// Per-object ACLs and `s3:ExistingObjectTag/...` policy conditions against a real cluster with
// AuthN on and three users (alice, bob, carol) who may only create and list buckets, through the
// AWS SDK v3, browser forms and unsigned requests: canned and granted ACLs on every object write,
// Get/PutObjectAcl, who owns an object under each ObjectOwnership setting, the public access
// block, and policies that look at the object's tags.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAclCommand,
  ListObjectsV2Command,
  GetBucketOwnershipControlsCommand,
  DeleteBucketOwnershipControlsCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  PutPublicAccessBlockCommand,
  UploadPartCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { refused } from '../harness/s3-setup.js';
import { S3UsersCluster } from '../harness/s3-users.js';

const users = ['alice', 'bob', 'carol'] as const;
type User = (typeof users)[number] | 'admin';
const allUsers = 'http://acs.amazonaws.com/groups/global/AllUsers';
let setup: S3UsersCluster;
let clients: Record<User, S3Client>;

before(async () => {
  setup = await S3UsersCluster.start(users);
  clients = setup.clients;
});

after(async () => {
  await setup?.destroy();
});

const put = (user: User, bucket: string, key: string, extra: Partial<PutObjectCommandInput> = {}) =>
  clients[user].send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, ...extra }));

/** The body, or the error's name. */
async function read(user: User, bucket: string, key: string): Promise<string> {
  try {
    const answer = await clients[user].send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await answer.Body?.transformToString()) ?? '';
  } catch (error) {
    return (error as Error).name;
  }
}

/** An unsigned GET: the body when 200, else the status. */
async function anonymousRead(bucket: string, key: string): Promise<string> {
  const response = await fetch(`${setup.cluster.primary.publicUrl}/${bucket}/${key}`);
  const text = await response.text();
  return response.status === 200 ? text : String(response.status);
}

/** [owner ID, [grantee ID or URI, permission]...] of an object's ACL, as `user` reads it. */
async function objectAcl(user: User, bucket: string, key: string) {
  const acl = await clients[user].send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
  const grants = (acl.Grants ?? []).map((grant) => [
    grant.Grantee?.ID ?? grant.Grantee?.URI,
    grant.Permission,
  ]);
  return [acl.Owner?.ID, grants];
}

test('canned ACLs and grant headers on PutObject decide who reads the object', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'oacl' }));
  await put('alice', 'oacl', 'pub.txt', { ACL: 'public-read' });
  await put('alice', 'oacl', 'priv.txt');
  await put('alice', 'oacl', 'for-bob.txt', { GrantRead: 'id="bob"' });
  assert.equal(await anonymousRead('oacl', 'pub.txt'), 'pub.txt');
  assert.equal(await read('bob', 'oacl', 'pub.txt'), 'pub.txt');
  assert.equal(await anonymousRead('oacl', 'priv.txt'), '403');
  assert.equal(await read('bob', 'oacl', 'priv.txt'), 'AccessDenied');
  assert.equal(await read('bob', 'oacl', 'for-bob.txt'), 'for-bob.txt');
  assert.equal(await read('carol', 'oacl', 'for-bob.txt'), 'AccessDenied');
  assert.equal(await anonymousRead('oacl', 'for-bob.txt'), '403');
  assert.deepEqual(await objectAcl('alice', 'oacl', 'pub.txt'), [
    'alice',
    [
      ['alice', 'FULL_CONTROL'],
      [allUsers, 'READ'],
    ],
  ]);
  assert.deepEqual(await objectAcl('alice', 'oacl', 'priv.txt'), [
    'alice',
    [['alice', 'FULL_CONTROL']],
  ]);
  // READ is not READ_ACP; a missing key is 403 to one who may not list the bucket.
  await refused(
    clients.bob.send(new GetObjectAclCommand({ Bucket: 'oacl', Key: 'for-bob.txt' })),
    'AccessDenied',
    403,
  );
  assert.equal(await read('bob', 'oacl', 'missing.txt'), 'AccessDenied');
  // The record is no user metadata, and clients may not forge it.
  const head = await clients.alice.send(new GetObjectCommand({ Bucket: 'oacl', Key: 'pub.txt' }));
  await head.Body?.transformToString();
  assert.deepEqual(head.Metadata, {});
  await refused(
    put('alice', 'oacl', 'forged', { Metadata: { 'cairn-acl': '{}' } }),
    'InvalidArgument',
    400,
  );
});

test('object grants by email name the user with that email (stored as its ID)', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'oacl-email' }));
  // On the write and by PutObjectAcl, decided by the target that stores the object.
  await put('alice', 'oacl-email', 'k', { GrantRead: 'emailAddress="bob@example.com"' });
  assert.equal(await read('bob', 'oacl-email', 'k'), 'k');
  assert.equal(await read('carol', 'oacl-email', 'k'), 'AccessDenied');
  const putAcl = (GrantRead: string) =>
    clients.alice.send(new PutObjectAclCommand({ Bucket: 'oacl-email', Key: 'k', GrantRead }));
  await putAcl('emailAddress="Carol@Example.com"');
  assert.equal(await read('carol', 'oacl-email', 'k'), 'k');
  assert.equal(await read('bob', 'oacl-email', 'k'), 'AccessDenied');
  assert.deepEqual(await objectAcl('alice', 'oacl-email', 'k'), ['alice', [['carol', 'READ']]]);
  await refused(
    putAcl('emailAddress="nobody@example.com"'),
    'UnresolvableGrantByEmailAddress',
    400,
  );
  await refused(
    put('alice', 'oacl-email', 'k2', { GrantRead: 'emailAddress="nobody@example.com"' }),
    'UnresolvableGrantByEmailAddress',
    400,
  );
  assert.equal(await read('alice', 'oacl-email', 'k2'), 'NoSuchKey');
});

test('native custom metadata can neither forge, drop nor show the ACL record', async () => {
  await put('alice', 'oacl', 'native.txt', { ACL: 'public-read' });
  const url = `${setup.cluster.primary.publicUrl}/v1/objects/oacl/native.txt`;
  const headers = { authorization: `Bearer ${await setup.adminToken()}` };
  const patch = (value: Record<string, string>, replace: boolean) =>
    fetch(`${url}${replace ? '?set-new-custom=true' : ''}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ action: '', value }),
    });
  const forged = await patch({ 'cairn-acl': '{}' }, false);
  assert.equal(forged.status, 400);
  assert.match(await forged.text(), /cairn-acl is reserved/);
  assert.equal((await patch({ color: 'red' }, true)).status, 200);
  // A replace is of the user's metadata: the object stays public.
  assert.equal(await anonymousRead('oacl', 'native.txt'), 'native.txt');
  const head = await fetch(url, { method: 'HEAD', headers });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('ais-custom-md'), 'color=red');
});

test('PutObjectAcl with canned ACLs, headers and documents; the owner stays', async () => {
  await put('alice', 'oacl', 'changing.txt');
  await clients.alice.send(
    new PutObjectAclCommand({ Bucket: 'oacl', Key: 'changing.txt', ACL: 'public-read' }),
  );
  assert.equal(await anonymousRead('oacl', 'changing.txt'), 'changing.txt');
  await clients.alice.send(
    new PutObjectAclCommand({
      Bucket: 'oacl',
      Key: 'changing.txt',
      AccessControlPolicy: {
        Owner: { ID: 'alice' },
        Grants: [
          { Grantee: { Type: 'CanonicalUser', ID: 'alice' }, Permission: 'FULL_CONTROL' },
          { Grantee: { Type: 'CanonicalUser', ID: 'carol' }, Permission: 'READ' },
          { Grantee: { Type: 'CanonicalUser', ID: 'carol' }, Permission: 'READ_ACP' },
        ],
      },
    }),
  );
  assert.equal(await anonymousRead('oacl', 'changing.txt'), '403');
  assert.equal(await read('carol', 'oacl', 'changing.txt'), 'changing.txt');
  assert.equal((await objectAcl('carol', 'oacl', 'changing.txt'))[0], 'alice');
  // carol may read the ACL but not change it; a document must name the owner.
  await refused(
    clients.carol.send(
      new PutObjectAclCommand({ Bucket: 'oacl', Key: 'changing.txt', ACL: 'public-read' }),
    ),
    'AccessDenied',
    403,
  );
  await refused(
    clients.alice.send(
      new PutObjectAclCommand({
        Bucket: 'oacl',
        Key: 'changing.txt',
        AccessControlPolicy: { Owner: { ID: 'bob' }, Grants: [] },
      }),
    ),
    'AccessDenied',
    403,
  );
});

test('the writer owns what it writes, unless the bucket owner is preferred or enforced', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'shared' }));
  await clients.alice.send(
    new PutBucketAclCommand({
      Bucket: 'shared',
      GrantFullControl: 'id="alice"',
      GrantWrite: 'id="bob"',
    }),
  );
  await put('bob', 'shared', 'bob.txt');
  assert.deepEqual(await objectAcl('bob', 'shared', 'bob.txt'), ['bob', [['bob', 'FULL_CONTROL']]]);
  assert.equal(await read('bob', 'shared', 'bob.txt'), 'bob.txt');
  assert.equal(await read('carol', 'shared', 'bob.txt'), 'AccessDenied');
  // The bucket's owner keeps its access to everything in its bucket.
  assert.equal(await read('alice', 'shared', 'bob.txt'), 'bob.txt');
  await clients.bob.send(
    new PutObjectAclCommand({ Bucket: 'shared', Key: 'bob.txt', ACL: 'public-read' }),
  );
  assert.equal(await anonymousRead('shared', 'bob.txt'), 'bob.txt');
  // bucket-owner-read gives the bucket's owner a grant of its own.
  await put('bob', 'shared', 'bor.txt', { ACL: 'bucket-owner-read' });
  assert.deepEqual(await objectAcl('bob', 'shared', 'bor.txt'), [
    'bob',
    [
      ['bob', 'FULL_CONTROL'],
      ['alice', 'READ'],
    ],
  ]);

  await clients.alice.send(
    new PutBucketOwnershipControlsCommand({
      Bucket: 'shared',
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
    }),
  );
  await put('bob', 'shared', 'preferred.txt', { ACL: 'bucket-owner-full-control' });
  assert.equal((await objectAcl('alice', 'shared', 'preferred.txt'))[0], 'alice');
  assert.equal(await read('bob', 'shared', 'preferred.txt'), 'AccessDenied');
  await put('bob', 'shared', 'still-bobs.txt');
  assert.equal((await objectAcl('bob', 'shared', 'still-bobs.txt'))[0], 'bob');

  // Enforced: ACLs are off; what objects granted no longer counts; only owner-full-control is taken.
  await clients.alice.send(
    new PutBucketAclCommand({ Bucket: 'shared', GrantFullControl: 'id="alice"' }),
  );
  await clients.alice.send(
    new PutBucketOwnershipControlsCommand({
      Bucket: 'shared',
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    }),
  );
  assert.equal(await anonymousRead('shared', 'bob.txt'), '403');
  assert.deepEqual(await objectAcl('alice', 'shared', 'bob.txt'), [
    'alice',
    [['alice', 'FULL_CONTROL']],
  ]);
  await refused(
    put('alice', 'shared', 'x', { ACL: 'public-read' }),
    'AccessControlListNotSupported',
    400,
  );
  await refused(
    clients.alice.send(
      new PutObjectAclCommand({ Bucket: 'shared', Key: 'bob.txt', ACL: 'private' }),
    ),
    'AccessControlListNotSupported',
    400,
  );
  await put('alice', 'shared', 'enforced.txt', { ACL: 'bucket-owner-full-control' });
  assert.equal(await read('alice', 'shared', 'enforced.txt'), 'enforced.txt');
});

test('ObjectOwnership BucketOwnerEnforced turns ACLs off', async () => {
  await refused(
    clients.alice.send(
      new CreateBucketCommand({
        Bucket: 'alice-own2',
        ACL: 'public-read',
        ObjectOwnership: 'BucketOwnerEnforced',
      }),
    ),
    'InvalidBucketAclWithObjectOwnership',
    400,
  );
  await clients.alice.send(
    new CreateBucketCommand({ Bucket: 'alice-own2', ACL: 'authenticated-read' }),
  );
  await refused(
    clients.alice.send(new GetBucketOwnershipControlsCommand({ Bucket: 'alice-own2' })),
    'OwnershipControlsNotFoundError',
    404,
  );
  const enforce = (): Promise<unknown> =>
    clients.alice.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: 'alice-own2',
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
  // The bucket still grants others something: S3 refuses to enforce over it.
  await refused(enforce(), 'InvalidBucketAclWithObjectOwnership', 400);
  const listed = await clients.bob.send(new ListObjectsV2Command({ Bucket: 'alice-own2' }));
  assert.deepEqual(listed.Contents ?? [], []);
  await clients.alice.send(new PutBucketAclCommand({ Bucket: 'alice-own2', ACL: 'private' }));
  await enforce();
  const controls = await clients.alice.send(
    new GetBucketOwnershipControlsCommand({ Bucket: 'alice-own2' }),
  );
  assert.equal(controls.OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'BucketOwnerEnforced');
  await refused(
    clients.alice.send(new PutBucketAclCommand({ Bucket: 'alice-own2', ACL: 'public-read' })),
    'AccessControlListNotSupported',
    400,
  );
  await clients.alice.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'alice-own2' }));
  await clients.alice.send(new PutBucketAclCommand({ Bucket: 'alice-own2', ACL: 'public-read' }));
  const anonymous = await fetch(`${setup.cluster.primary.publicUrl}/alice-own2?list-type=2`);
  await anonymous.arrayBuffer();
  assert.equal(anonymous.status, 200);
});

test('multipart uploads, copies and browser forms take the ACL of their request', async () => {
  const { UploadId } = await clients.alice.send(
    new CreateMultipartUploadCommand({ Bucket: 'oacl', Key: 'mp.txt', ACL: 'public-read' }),
  );
  const part = await clients.alice.send(
    new UploadPartCommand({ Bucket: 'oacl', Key: 'mp.txt', UploadId, PartNumber: 1, Body: 'mp' }),
  );
  await clients.alice.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'oacl',
      Key: 'mp.txt',
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag ?? '' }] },
    }),
  );
  assert.equal(await anonymousRead('oacl', 'mp.txt'), 'mp');
  // A copy does not take its source's ACL.
  const copy = (key: string, extra: { ACL?: 'public-read' } = {}) =>
    clients.alice.send(
      new CopyObjectCommand({ Bucket: 'oacl', Key: key, CopySource: 'oacl/pub.txt', ...extra }),
    );
  await copy('copy-private.txt');
  await copy('copy-public.txt', { ACL: 'public-read' });
  assert.equal(await anonymousRead('oacl', 'copy-private.txt'), '403');
  assert.equal(await anonymousRead('oacl', 'copy-public.txt'), 'pub.txt');

  const { url, fields } = await createPresignedPost(clients.alice, {
    Bucket: 'oacl',
    Key: 'form.txt',
    Fields: { acl: 'public-read' },
    Conditions: [{ acl: 'public-read' }],
    Expires: 600,
  });
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  body.append('file', new Blob(['from a form']), 'f.txt');
  const response = await fetch(url, { method: 'POST', body });
  await response.arrayBuffer();
  assert.equal(response.status, 204);
  assert.equal(await anonymousRead('oacl', 'form.txt'), 'from a form');
  assert.equal((await objectAcl('alice', 'oacl', 'form.txt'))[0], 'alice');
});

test('the public access block refuses and ignores public object ACLs', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'blocked' }));
  await put('alice', 'blocked', 'was-public.txt', { ACL: 'public-read' });
  assert.equal(await anonymousRead('blocked', 'was-public.txt'), 'was-public.txt');
  const block = (settings: { BlockPublicAcls?: boolean; IgnorePublicAcls?: boolean }) =>
    clients.alice.send(
      new PutPublicAccessBlockCommand({
        Bucket: 'blocked',
        PublicAccessBlockConfiguration: settings,
      }),
    );
  await block({ BlockPublicAcls: true });
  await refused(put('alice', 'blocked', 'p', { ACL: 'public-read' }), 'AccessDenied', 403);
  await refused(
    clients.alice.send(
      new PutObjectAclCommand({ Bucket: 'blocked', Key: 'was-public.txt', ACL: 'public-read' }),
    ),
    'AccessDenied',
    403,
  );
  assert.equal(await anonymousRead('blocked', 'was-public.txt'), 'was-public.txt');
  await block({ IgnorePublicAcls: true });
  assert.equal(await anonymousRead('blocked', 'was-public.txt'), '403');
});

test('s3:ExistingObjectTag conditions see the tags of the object asked for', async () => {
  await clients.alice.send(new CreateBucketCommand({ Bucket: 'tagged' }));
  await put('alice', 'tagged', 'open.txt', { Tagging: 'visibility=public' });
  await put('alice', 'tagged', 'closed.txt', { Tagging: 'visibility=private' });
  await put('alice', 'tagged', 'secret.txt', { Tagging: 'Secret=yes' });
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::tagged/*',
        Condition: { StringEquals: { 's3:ExistingObjectTag/visibility': 'public' } },
      },
      {
        // An explicit Deny binds the bucket's owner too.
        Effect: 'Deny',
        Principal: { AWS: 'alice' },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::tagged/*',
        Condition: { StringEquals: { 's3:ExistingObjectTag/Secret': 'yes' } },
      },
    ],
  };
  await clients.alice.send(
    new PutBucketPolicyCommand({ Bucket: 'tagged', Policy: JSON.stringify(policy) }),
  );
  assert.equal(await anonymousRead('tagged', 'open.txt'), 'open.txt');
  assert.equal(await read('bob', 'tagged', 'open.txt'), 'open.txt');
  assert.equal(await anonymousRead('tagged', 'closed.txt'), '403');
  assert.equal(await read('bob', 'tagged', 'closed.txt'), 'AccessDenied');
  assert.equal(await read('alice', 'tagged', 'closed.txt'), 'closed.txt');
  assert.equal(await read('alice', 'tagged', 'secret.txt'), 'AccessDenied');
  // Retagging changes the decision at once.
  await clients.alice.send(
    new PutObjectTaggingCommand({
      Bucket: 'tagged',
      Key: 'closed.txt',
      Tagging: { TagSet: [{ Key: 'visibility', Value: 'public' }] },
    }),
  );
  assert.equal(await anonymousRead('tagged', 'closed.txt'), 'closed.txt');
  // The admin's key is not bound by policies.
  assert.equal(await read('admin', 'tagged', 'secret.txt'), 'secret.txt');
});

test('object lock: the bucket owner (no admin) sets and reads it; another user is refused', async () => {
  const bucket = 'alice-locked';
  await clients.alice.send(
    new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }),
  );
  await clients.alice.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
      },
    }),
  );
  const lock = await clients.alice.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
  assert.equal(lock.ObjectLockConfiguration?.Rule?.DefaultRetention?.Days, 1);
  await put('alice', bucket, 'kept');
  const until = new Date(Date.now() + 2 * 86_400_000);
  until.setUTCMilliseconds(0);
  await clients.alice.send(
    new PutObjectRetentionCommand({
      Bucket: bucket,
      Key: 'kept',
      Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until },
    }),
  );
  const retention = await clients.alice.send(
    new GetObjectRetentionCommand({ Bucket: bucket, Key: 'kept' }),
  );
  assert.equal(retention.Retention?.RetainUntilDate?.getTime(), until.getTime());
  await clients.alice.send(
    new PutObjectLegalHoldCommand({ Bucket: bucket, Key: 'kept', LegalHold: { Status: 'ON' } }),
  );
  const hold = await clients.alice.send(
    new GetObjectLegalHoldCommand({ Bucket: bucket, Key: 'kept' }),
  );
  assert.equal(hold.LegalHold?.Status, 'ON');
  await refused(
    clients.bob.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: 'kept' })),
    'AccessDenied',
    403,
  );
  await refused(
    clients.bob.send(
      new PutObjectLegalHoldCommand({ Bucket: bucket, Key: 'kept', LegalHold: { Status: 'OFF' } }),
    ),
    'AccessDenied',
    403,
  );
});
