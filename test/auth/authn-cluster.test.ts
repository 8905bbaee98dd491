// AuthN end to end: a `cairn authn` service and a real cluster with `auth.enabled` — permissions
// of users × operations × buckets on the native API and on S3, token expiry, revocation seen by
// every node, a target refusing a client that skips the gateway, and auth off by default.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AuthnProcess, authnAdminPassword } from '../harness/authn-process.js';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const secret = 'a-shared-secret-for-the-tests';
const run = promisify(execFile);
let dir = '';
let cluster: TestCluster;
let authn: AuthnProcess;
let adminToken = '';
const tokens: Partial<Record<MatrixUser, string>> = {};

interface Answer {
  status: number;
  message: string;
}

/** The permission matrix: the same users, operations and buckets on the native API and on S3. */
const operations = [
  'put',
  'get',
  'head',
  'list',
  'head-bucket',
  'delete',
  'props',
  'create',
  'destroy',
] as const;
type Operation = (typeof operations)[number];
/** `nobody` has no token (native) or a key the cluster does not know (S3). */
const matrixUsers = ['nobody', 'guest', 'b1only', 'owner', 'admin'] as const;
type MatrixUser = (typeof matrixUsers)[number];
const readOnly: ReadonlySet<Operation> = new Set(['get', 'head', 'list', 'head-bucket']);
/** Beyond `rw` (BucketOwner, a bucket's `rw` ACL): admin only. */
const adminOnly: ReadonlySet<Operation> = new Set(['props', 'create', 'destroy']);

/**
 * What AIStore answers (and AWS: 403 for both refusals): `guest` is `Guest-c1` (`ro`), `owner`
 * `BucketOwner-c1` (`rw` on every bucket), `b1only` has `rw` on b1 and nothing on the cluster.
 */
function expectedStatus(user: MatrixUser, bucket: string, op: Operation): 200 | 401 | 403 {
  const allowed =
    user === 'admin' ||
    (user === 'owner' && !adminOnly.has(op)) ||
    (user === 'guest' && readOnly.has(op)) ||
    (user === 'b1only' && bucket === 'b1' && !adminOnly.has(op));
  if (allowed) return 200;
  return user === 'nobody' ? 401 : 403;
}

/** A native request through the primary gateway (fetch follows the 307 without the token). */
async function call(method: string, path: string, token?: string, body?: string): Promise<Answer> {
  const response = await fetch(`${cluster.primary.publicUrl}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // not JSON
  }
  return { status: response.status, message };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-authn-test-'));
  cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 1 });
  authn = await AuthnProcess.start(join(dir, 'authn'), secret);
});

/** Runs the CLI with the AuthN service and a token file of this test's own. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cairnEntry, ...args], {
      env: {
        ...process.env,
        CAIRN_ENDPOINT: cluster.primary.publicUrl,
        CAIRN_AUTHN_URL: authn.url,
        CAIRN_AUTHN_TOKEN_FILE: join(dir, 'cli', 'auth.token'),
        CAIRN_AUTHN_TOKEN: '',
      },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

after(async () => {
  authn?.stop();
  await cluster?.destroy();
  await rm(dir, { recursive: true, force: true });
});

test('auth is off by default: no token needed', async () => {
  const client = cluster.client(0);
  await client.createBucket({ name: 'b1', provider: 'ais' });
  await client.createBucket({ name: 'b2', provider: 'ais' });
  assert.equal((await call('PUT', '/v1/objects/b1/open', undefined, 'x')).status, 200);
  assert.equal((await call('GET', '/v1/objects/b1/open')).status, 200);
});

test("with auth.enabled, tokens from the AuthN service carry each user's permissions", async () => {
  await cluster.setConfig({ 'auth.enabled': true, 'auth.secret': secret });
  // Every node (the targets too) enforces once the config reached it.
  for (const target of cluster.targets) {
    await waitFor(`auth on at ${target.spec.name}`, 30_000, async () => {
      const response = await fetch(`${target.publicUrl}/v1/objects/b1/open`);
      await response.arrayBuffer();
      return response.status === 401;
    });
  }
  const smap = (await (await fetch(`${cluster.primary.publicUrl}/v1/daemon?what=smap`)).json()) as {
    uuid: string;
  };
  adminToken = await authn.login('admin', authnAdminPassword);
  await authn.admin('POST', '/v1/clusters', adminToken, {
    id: smap.uuid,
    alias: 'c1',
    urls: [cluster.primary.publicUrl],
  });
  const users: Record<string, unknown> = {
    owner: { roles: ['BucketOwner-c1'] },
    guest: { roles: ['Guest-c1'] },
    b1only: { buckets: [{ bck: { name: 'b1', provider: 'ais' }, perm: 'rw' }] },
  };
  for (const [id, spec] of Object.entries(users)) {
    await authn.admin('POST', '/v1/users', adminToken, {
      id,
      pass: `${id}-pass`,
      ...(spec as object),
    });
    tokens[id as MatrixUser] = await authn.login(id, `${id}-pass`);
  }
  tokens.admin = adminToken;

  const ops: Record<Operation, (bucket: string, token: string | undefined) => Promise<Answer>> = {
    put: (b, t) => call('PUT', `/v1/objects/${b}/obj`, t, 'payload'),
    get: (b, t) => call('GET', `/v1/objects/${b}/open-${b}`, t),
    head: (b, t) => call('HEAD', `/v1/objects/${b}/open-${b}`, t),
    list: (b, t) => call('GET', `/v1/buckets/${b}`, t),
    'head-bucket': (b, t) => call('HEAD', `/v1/buckets/${b}`, t),
    delete: (b, t) => call('DELETE', `/v1/objects/${b}/obj`, t),
    props: (b, t) =>
      call(
        'PATCH',
        `/v1/buckets/${b}`,
        t,
        JSON.stringify({ action: 'set-bprops', value: { versioning: { enabled: true } } }),
      ),
    create: (b, t) =>
      call('POST', `/v1/buckets/${b}-new`, t, JSON.stringify({ action: 'create-bck' })),
    destroy: (b, t) =>
      call('DELETE', `/v1/buckets/${b}-new`, t, JSON.stringify({ action: 'destroy-bck' })),
  };
  for (const bucket of ['b1', 'b2'])
    assert.equal(
      (await call('PUT', `/v1/objects/${bucket}/open-${bucket}`, adminToken, 'y')).status,
      200,
    );
  for (const user of matrixUsers) {
    for (const bucket of ['b1', 'b2']) {
      for (const op of operations) {
        const answer = await ops[op](bucket, tokens[user]);
        const label = `${user} ${op} ${bucket}: ${answer.status} ${answer.message}`;
        const expected = expectedStatus(user, bucket, op);
        if (expected === 200) {
          assert.ok(answer.status < 300, label);
          continue;
        }
        assert.equal(answer.status, expected, label);
        if (op.startsWith('head')) continue; // no body
        const text = expected === 401 ? /token required/ : /insufficient permissions/;
        assert.match(answer.message, text, label);
      }
    }
  }
});

test('the cluster config never shows auth.secret: what=config on every node, cairn show config', async () => {
  for (const node of cluster.nodes) {
    const response = await fetch(`${node.publicUrl}/v1/daemon?what=config`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.ok(!text.includes(secret), `${node.spec.name} shows the secret`);
    const { auth } = JSON.parse(text) as { auth: { enabled: boolean; secret: string } };
    assert.deepEqual({ ...auth }, { enabled: true, secret: '<redacted>', public_key: '' });
  }
  const { stdout } = await run(process.execPath, [cairnEntry, 'show', 'config'], {
    env: {
      ...process.env,
      CAIRN_ENDPOINT: cluster.primary.publicUrl,
      CAIRN_AUTHN_TOKEN: adminToken,
    },
  });
  assert.match(stdout, /^auth\.enabled true$/m);
  assert.match(stdout, /^auth\.secret <redacted>$/m);
  assert.ok(!stdout.includes(secret));
});

test('starting a download needs read-write access to its destination bucket', async () => {
  // The link fails at once (nothing listens there): what matters is whether the job starts.
  const start = (bucket: string, token: string): Promise<Answer> =>
    call(
      'POST',
      '/v1/download',
      token,
      JSON.stringify({
        type: 'single',
        bucket: { name: bucket, provider: 'ais' },
        link: 'http://127.0.0.1:9/file.bin',
      }),
    );
  assert.equal((await start('b1', tokens.b1only ?? '')).status, 200);
  for (const [user, bucket] of [
    ['b1only', 'b2'],
    ['guest', 'b1'],
  ] as const) {
    const refused = await start(bucket, tokens[user] ?? '');
    assert.equal(refused.status, 403, `${user} on ${bucket}: ${refused.message}`);
    assert.match(refused.message, /insufficient permissions/);
    assert.match(refused.message, new RegExp(`bucket "ais://${bucket}"`));
  }
});

test("no token, a bad token: 401 with AIStore's texts", async () => {
  const none = await call('GET', '/v1/objects/b1/open');
  assert.equal(none.status, 401);
  assert.match(none.message, /token required/);
  const bad = await call('GET', '/v1/objects/b1/open', 'not.a.token');
  assert.equal(bad.status, 401);
  assert.match(bad.message, /invalid token/);
  const forged = await call('GET', '/v1/buckets', `${adminToken.slice(0, -4)}AAAA`);
  assert.equal(forged.status, 401);
});

test("a target serves a client only with the gateway's redirect proof or a token", async () => {
  const response = await fetch(`${cluster.primary.publicUrl}/v1/objects/b1/open`, {
    headers: { authorization: `Bearer ${tokens.guest}` },
    redirect: 'manual',
  });
  await response.arrayBuffer();
  assert.equal(response.status, 307);
  const location = response.headers.get('location') ?? '';
  const viaProof = await fetch(location);
  assert.equal(viaProof.status, 200);
  assert.equal(await viaProof.text(), 'x');
  // The same target without the proof, or with the proof for another object: refused.
  const url = new URL(location);
  const direct = await fetch(`${url.origin}/v1/objects/b1/open`);
  await direct.arrayBuffer();
  assert.equal(direct.status, 401);
  const moved = await fetch(`${url.origin}/v1/objects/b1/open-b1${url.search}`);
  await moved.arrayBuffer();
  assert.equal(moved.status, 401);
  const withToken = await fetch(`${url.origin}/v1/objects/b1/open`, {
    headers: { authorization: `Bearer ${tokens.guest}` },
  });
  assert.equal(withToken.status, 200);
  await withToken.arrayBuffer();
});

test('an expired token is refused', async () => {
  const shortLived = await authn.login('guest', 'guest-pass', 1);
  await waitFor('the 1-second token to expire', 20_000, async () => {
    const answer = await call('GET', '/v1/objects/b1/open', shortLived);
    return answer.status === 401;
  });
  const answer = await call('GET', '/v1/objects/b1/open', shortLived);
  assert.match(answer.message, /token expired/);
});

test('a revoked token is refused by every node', async () => {
  const token = await authn.login('owner', 'owner-pass');
  assert.equal((await call('GET', '/v1/objects/b1/open', token)).status, 200);
  await authn.admin('DELETE', '/v1/tokens', adminToken, { token });
  for (const node of cluster.nodes) {
    await waitFor(`${node.spec.name} to refuse the revoked token`, 10_000, async () => {
      const response = await fetch(`${node.publicUrl}/v1/objects/b1/open`, {
        headers: { authorization: `Bearer ${token}` },
        redirect: 'manual',
      });
      const text = await response.text();
      return response.status === 401 && text.includes('token revoked');
    });
  }
  // The owner's other token still works.
  assert.equal((await call('GET', '/v1/objects/b1/open', tokens.owner)).status, 200);
});

test('S3 keys belong to users and carry their permissions: the matrix on S3', async () => {
  const s3 = (accessKeyId: string, secretAccessKey: string): S3Client =>
    new S3Client({
      endpoint: cluster.primary.publicUrl,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
    });
  const keyOf = async (user: string): Promise<S3Client> => {
    const key = (await authn.admin('POST', '/v1/s3-keys', adminToken, { user })) as {
      access_key: string;
      secret_key: string;
    };
    return s3(key.access_key, key.secret_key);
  };
  // The node config's single key pair is the admin's.
  const clients: Record<MatrixUser, S3Client> = {
    nobody: s3('unknown-key', 'unknown-secret'),
    guest: await keyOf('guest'),
    b1only: await keyOf('b1only'),
    owner: await keyOf('owner'),
    admin: s3('cairnadmin', 'cairnadmin'),
  };
  const ops: Record<Operation, (client: S3Client, bucket: string) => Promise<unknown>> = {
    put: (c, b) => c.send(new PutObjectCommand({ Bucket: b, Key: 's3-obj', Body: 'z' })),
    get: async (c, b) => {
      const answer = await c.send(new GetObjectCommand({ Bucket: b, Key: `open-${b}` }));
      assert.equal(await answer.Body?.transformToString(), 'y');
    },
    head: (c, b) => c.send(new HeadObjectCommand({ Bucket: b, Key: `open-${b}` })),
    list: async (c, b) => {
      const answer = await c.send(new ListObjectsV2Command({ Bucket: b }));
      assert.ok(answer.Contents?.some((entry) => entry.Key === `open-${b}`));
    },
    'head-bucket': (c, b) => c.send(new HeadBucketCommand({ Bucket: b })),
    delete: (c, b) => c.send(new DeleteObjectCommand({ Bucket: b, Key: 's3-obj' })),
    props: (c, b) =>
      c.send(
        new PutBucketTaggingCommand({
          Bucket: b,
          Tagging: { TagSet: [{ Key: 'team', Value: 'matrix' }] },
        }),
      ),
    create: (c, b) => c.send(new CreateBucketCommand({ Bucket: `${b}-s3made` })),
    destroy: (c, b) => c.send(new DeleteBucketCommand({ Bucket: `${b}-s3doomed` })),
  };
  // S3 answers NoSuchBucket before looking at rights (as AWS does): the bucket to destroy exists.
  for (const bucket of ['b1', 'b2'])
    await clients.admin.send(new CreateBucketCommand({ Bucket: `${bucket}-s3doomed` }));
  for (const user of matrixUsers) {
    for (const bucket of ['b1', 'b2']) {
      for (const op of operations) {
        const label = `S3 ${user} ${op} ${bucket}`;
        const outcome = ops[op](clients[user], bucket);
        if (expectedStatus(user, bucket, op) === 200) {
          await outcome;
          continue;
        }
        // AWS refuses both with 403: an unknown key, and a known one without the right.
        const code = user === 'nobody' ? 'InvalidAccessKeyId' : 'AccessDenied';
        await assert.rejects(
          outcome,
          (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
            assert.equal(error.$metadata?.httpStatusCode, 403, `${label}: ${error.name}`);
            if (!op.startsWith('head')) assert.equal(error.name, code, label); // HEAD: no body
            return true;
          },
          label,
        );
      }
    }
  }
  for (const client of Object.values(clients)) client.destroy();
});

test('the CLI logs in, lists with the saved token, makes S3 keys, and logs out', async () => {
  const refused = await cli('ls', 'ais://b1');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /token required/);
  const login = await cli('auth', 'login', 'admin', '--password', authnAdminPassword);
  assert.equal(login.code, 0, login.stderr);
  const listing = await cli('ls', 'ais://b1');
  assert.equal(listing.code, 0, listing.stderr);
  assert.match(listing.stdout, /open-b1/);
  const added = await cli('auth', 'key', 'add', 'guest');
  assert.equal(added.code, 0, added.stderr);
  const accessKey = /access key: (\S+)/.exec(added.stdout)?.[1] ?? '';
  const keys = await cli('auth', 'key', 'ls', 'guest');
  assert.match(keys.stdout, new RegExp(accessKey));
  const users = await cli('auth', 'user', 'ls');
  assert.match(users.stdout, /b1only/);
  const logout = await cli('auth', 'logout');
  assert.equal(logout.code, 0, logout.stderr);
  const loggedOut = await cli('ls', 'ais://b1');
  assert.notEqual(loggedOut.code, 0);
});

test('a user may have an email: valid, unique ignoring case, shown, removable', async () => {
  const login = await cli('auth', 'login', 'admin', '--password', authnAdminPassword);
  assert.equal(login.code, 0, login.stderr);
  const added = await cli(
    ...['auth', 'user', 'add', 'dana', '--password', 'dana-pass', '--email', 'Dana@example.com'],
  );
  assert.equal(added.code, 0, added.stderr);
  assert.equal((await cli('auth', 'logout')).code, 0);
  const emailOf = async (user: string): Promise<string | undefined> =>
    ((await authn.admin('GET', `/v1/users/${user}`, adminToken)) as { email?: string }).email;
  assert.equal(await emailOf('dana'), 'Dana@example.com');
  const erin = { id: 'erin', pass: 'erin-pass' };
  await assert.rejects(
    authn.admin('POST', '/v1/users', adminToken, { ...erin, email: 'dana@EXAMPLE.com' }),
    /: 409 .*already has the email/,
  );
  await assert.rejects(
    authn.admin('POST', '/v1/users', adminToken, { ...erin, email: 'not-an-email' }),
    /: 400 .*email/,
  );
  await assert.rejects(
    authn.admin('PUT', '/v1/users/guest', adminToken, { email: 'DANA@example.com' }),
    /: 409 /,
  );
  // "" removes it; then another user may take it. A PUT without email keeps it.
  await authn.admin('PUT', '/v1/users/dana', adminToken, { email: '' });
  assert.equal(await emailOf('dana'), undefined);
  await authn.admin('POST', '/v1/users', adminToken, { ...erin, email: 'dana@example.com' });
  await authn.admin('PUT', '/v1/users/erin', adminToken, { pass: 'erin-pass-2' });
  assert.equal(await emailOf('erin'), 'dana@example.com');
  await authn.admin('DELETE', '/v1/users/erin', adminToken);
  await authn.admin('DELETE', '/v1/users/dana', adminToken);
});

test('the AuthN service keeps its users across a restart', async () => {
  authn.stop();
  await authn.exited();
  // No admin password this time: the records are on disk (only hashes of passwords).
  authn = await AuthnProcess.start(join(dir, 'authn'), secret, { firstStart: false });
  const token = await authn.login('guest', 'guest-pass');
  assert.equal((await call('GET', '/v1/objects/b1/open', token)).status, 200);
  await assert.rejects(authn.login('guest', 'wrong'), /401/);
  const stored = await readFile(join(dir, 'authn', 'authn.db.json'), 'utf8');
  assert.doesNotMatch(stored, /guest-pass/);
  assert.doesNotMatch(stored, new RegExp(authnAdminPassword));
});
