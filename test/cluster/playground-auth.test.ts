// `cairn playground start --auth`: an AuthN service beside the nodes and auth on in the cluster;
// the printed admin login works with the CLI, requests without a token are refused on gateway and
// target, `stop` stops the service, and a second start of the same directory keeps its login.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { cairnEntry } from '../harness/node-process.js';
import { freeBasePort } from '../harness/ports.js';

const run = promisify(execFile);

interface Recorded {
  authn?: { pid: number | null; url: string };
  nodes: Array<{ name: string; publicUrl: string }>;
}

describe('playground --auth', () => {
  let scratch = '';
  let dir = '';
  let port = 0;
  let printed = '';
  const cairn = async (env: Record<string, string>, ...args: string[]): Promise<string> =>
    (
      await run(process.execPath, [cairnEntry, ...args], {
        timeout: 120_000,
        env: { ...process.env, CAIRN_AUTHN_TOKEN: '', ...env },
      })
    ).stdout;
  const record = async (): Promise<Recorded> =>
    JSON.parse(await readFile(join(dir, 'playground.json'), 'utf8')) as Recorded;
  const start = (): Promise<string> =>
    cairn(
      {},
      ...['playground', 'start', '--dir', dir, '--port', String(port), '--auth'],
      ...['--proxies', '1', '--targets', '1', '--mountpaths', '1'],
    );

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'cairn-playground-auth-'));
    dir = join(scratch, 'pg');
    port = await freeBasePort(2, [200]);
    printed = await start();
  });
  after(async () => {
    if (scratch === '') return;
    await run(process.execPath, [cairnEntry, 'playground', 'stop', '--dir', dir], {
      timeout: 60_000,
    }).catch(() => undefined);
    const authnPid = (await record().catch(() => undefined))?.authn?.pid;
    if (typeof authnPid === 'number') process.kill(authnPid, 'SIGKILL');
    await rm(scratch, { recursive: true, force: true });
  });

  /** The admin password and AuthN URL as `start` printed them. */
  const login = (): { password: string; url: string } => {
    const password = /cairn auth login admin --password (\S+)/.exec(printed)?.[1];
    const url = /export CAIRN_AUTHN_URL=(\S+)/.exec(printed)?.[1];
    assert.ok(password !== undefined && url !== undefined, printed);
    return { password, url };
  };

  test('prints the admin login; without a token gateway and target refuse, with it all works', async () => {
    const { password, url } = login();
    assert.equal(url, `http://127.0.0.1:${port + 200}`);
    const { nodes } = await record();
    for (const node of nodes) {
      const response = await fetch(`${node.publicUrl}/v1/buckets`);
      assert.equal(response.status, 401, `${node.name}: ${await response.text()}`);
    }
    const credentials = await stat(join(dir, 'authn', 'playground-auth.json'));
    assert.equal(credentials.mode & 0o777, 0o600);

    const env = {
      CAIRN_ENDPOINT: `http://127.0.0.1:${port}`,
      CAIRN_AUTHN_URL: url,
      CAIRN_AUTHN_TOKEN_FILE: join(scratch, 'token'),
    };
    await cairn(env, 'auth', 'login', 'admin', '--password', password);
    await cairn(env, 'create', 'ais://guarded');
    const file = join(scratch, 'hello');
    await writeFile(file, 'hi');
    await cairn(env, 'put', file, 'ais://guarded/hello');
    assert.match(await cairn(env, 'ls', 'ais://guarded'), /hello/);
    // The cluster is registered: the AuthN service made its roles.
    assert.match(await cairn(env, 'auth', 'role', 'ls'), /BucketOwner-playground/);
    // The playground's S3 key pair is the admin's.
    const s3 = new S3Client({
      endpoint: env.CAIRN_ENDPOINT,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'cairnadmin', secretAccessKey: 'cairnadmin' },
      maxAttempts: 1,
    });
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'hello' }));
      assert.equal(await object.Body?.transformToString(), 'hi');
    } finally {
      s3.destroy();
    }
  });

  test('stop stops the AuthN service; a second start keeps the login and auth on', async () => {
    const { password, url } = login();
    const before = await record();
    const pid = before.authn?.pid;
    assert.ok(typeof pid === 'number');
    await cairn({}, 'playground', 'stop', '--dir', dir);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    assert.equal((await record()).authn?.pid, null);

    printed = await start();
    assert.equal(login().password, password);
    const refused = await fetch(`http://127.0.0.1:${port}/v1/buckets`);
    assert.equal(refused.status, 401, await refused.text());
    const token = (await (
      await fetch(`${url}/v1/users/admin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password }),
      })
    ).json()) as { token: string };
    const listed = await fetch(`http://127.0.0.1:${port}/v1/objects/guarded/hello`, {
      headers: { authorization: `Bearer ${token.token}` },
    });
    assert.equal(listed.status, 200);
    assert.equal(await listed.text(), 'hi');
  });
});
