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
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
const tokens: Record<string, string> = {};

interface Answer {
  status: number;
  message: string;
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
    tokens[id] = await authn.login(id, `${id}-pass`);
  }
  tokens.admin = adminToken;

  const can = (user: string, bucket: string, op: string): boolean => {
    if (user === 'admin') return true;
    if (user === 'owner') return op !== 'create' && op !== 'destroy';
    if (user === 'guest') return op === 'get' || op === 'head' || op === 'list';
    return bucket === 'b1' && op !== 'create' && op !== 'destroy';
  };
  const ops: Record<string, (bucket: string, token: string) => Promise<Answer>> = {
    put: (b, t) => call('PUT', `/v1/objects/${b}/obj`, t, 'payload'),
    get: (b, t) => call('GET', `/v1/objects/${b}/open-${b}`, t),
    head: (b, t) => call('HEAD', `/v1/objects/${b}/open-${b}`, t),
    list: (b, t) => call('GET', `/v1/buckets/${b}`, t),
    delete: (b, t) => call('DELETE', `/v1/objects/${b}/obj`, t),
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
  for (const user of ['guest', 'b1only', 'owner', 'admin']) {
    for (const bucket of ['b1', 'b2']) {
      for (const [op, run] of Object.entries(ops)) {
        const answer = await run(bucket, tokens[user] ?? '');
        const label = `${user} ${op} ${bucket}: ${answer.status} ${answer.message}`;
        if (can(user, bucket, op)) {
          assert.ok(answer.status < 300, label);
        } else {
          assert.equal(answer.status, 403, label);
          if (op !== 'head') assert.match(answer.message, /insufficient permissions/, label);
        }
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

test('S3 keys belong to users and carry their permissions', async () => {
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
  const guest = await keyOf('guest');
  const b1only = await keyOf('b1only');
  const configured = s3('cairnadmin', 'cairnadmin');
  const denied = async (promise: Promise<unknown>, label: string): Promise<void> => {
    await assert.rejects(
      promise,
      (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(error.name, 'AccessDenied', label);
        assert.equal(error.$metadata?.httpStatusCode, 403, label);
        return true;
      },
    );
  };
  const put = (client: S3Client, bucket: string): Promise<unknown> =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: 's3-obj', Body: 'z' }));
  const get = async (client: S3Client, bucket: string): Promise<string> => {
    const answer = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: `open-${bucket}` }),
    );
    return (await answer.Body?.transformToString()) ?? '';
  };
  // The node config's single key pair is the admin's.
  await put(configured, 'b2');
  for (const bucket of ['b1', 'b2']) assert.equal(await get(guest, bucket), 'y');
  await denied(put(guest, 'b1'), 'guest PUT b1');
  await put(b1only, 'b1');
  assert.equal(await get(b1only, 'b1'), 'y');
  await denied(put(b1only, 'b2'), 'b1only PUT b2');
  await denied(get(b1only, 'b2'), 'b1only GET b2');
  for (const client of [guest, b1only, configured]) client.destroy();
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
